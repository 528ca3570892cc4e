package dev.secateur.cluster;

import dev.secateur.data.DataSplits;
import dev.secateur.model.Network;
import dev.secateur.score.UnitLossSource;
import dev.secateur.sensitivity.SensitivityProbe;
import dev.secateur.spec.DataSpec;
import dev.secateur.spi.ParamRef;
import dev.secateur.store.Handle;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where the stages' independent jobs run: on this JVM ({@link #local()}), or on a cluster's workers
 * ({@link #on(ClusterJobs)}). The scorer and the evaluator take one of these, never a cluster that may be absent.
 */
public interface JobDispatch {

    /** Every job on this JVM, on the calling stage's thread. */
    static JobDispatch local() {
        return LocalJobs.INSTANCE;
    }

    /** Every job on the cluster's workers. */
    static JobDispatch on(ClusterJobs jobs) {
        return new ClusterDispatch(jobs);
    }

    /**
     * Where the oracle measures the loss without each unit: empty when the scorer measures them itself, one unit
     * after another.
     *
     * @param setting the configuration key to raise when a job times out, such as timeoutSeconds.scorer
     */
    Optional<UnitLossSource> unitLosses(DataSpec dataSpec, DataSplits data, int calibration, long seed, Duration timeout,
                                        String setting);

    /**
     * One sensitivity point: {@code masks} applied to {@code net}, after {@code recovery}'s retraining on examples
     * beside the validation sample, measured on the validation sample of {@code samples} drawn with {@code seed},
     * as {@link SensitivityProbe#measure} does it.
     *
     * @param model the handle {@code net} was stored under: a cluster serialises each model once, by handle
     */
    Future<SensitivityProbe.Point> probe(Handle<Network> model, Network net, Map<ParamRef, INDArray> masks, DataSpec dataSpec, DataSplits data,
                                         int samples, long seed, double ratio, boolean timed, SensitivityProbe.Recovery recovery,
                                         Duration timeout, String setting);
}
