package dev.secateur.cluster;

import dev.secateur.data.Calibration;
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

/** Jobs on this JVM: measured on the calling stage's own thread, as the stages did before there was a cluster. */
final class LocalJobs implements JobDispatch {

    static final LocalJobs INSTANCE = new LocalJobs();

    private LocalJobs() {
    }

    @Override
    public Optional<UnitLossSource> unitLosses(DataSpec dataSpec, DataSplits data, int calibration, long seed, Duration timeout,
                                               String setting) {
        return Optional.empty();
    }

    @Override
    public Future<SensitivityProbe.Point> probe(Handle<Network> model, Network net, Map<ParamRef, INDArray> masks, DataSpec dataSpec, DataSplits data,
                                                int samples, long seed, double ratio, boolean timed, SensitivityProbe.Recovery recovery,
                                                Duration timeout, String setting) {
        var validation = Calibration.validation(data, samples, seed);
        return Future.succeededFuture(SensitivityProbe.measure(net, masks, validation, recovery.on(data, samples, seed), timed, ratio));
    }
}
