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

/** Jobs on the cluster's workers: probes and the oracle's units, one job each. */
final class ClusterDispatch implements JobDispatch {

    private final ClusterJobs jobs;
    /** The model the current analysis probes, serialised once for the workers. */
    private Handle<Network> shippedHandle;
    private ModelWire shipped;
    /** Whether {@link #shipped} holds the optimiser state, which probes that retrain need. */
    private boolean shippedUpdater;

    ClusterDispatch(ClusterJobs jobs) {
        this.jobs = jobs;
    }

    @Override
    public Optional<UnitLossSource> unitLosses(DataSpec dataSpec, DataSplits data, int calibration, long seed, Duration timeout,
                                               String setting) {
        if (dataSpec == null) {
            return Optional.empty(); // data that a worker cannot name (given in memory): measured here
        }
        return Optional.of(new ClusterUnitLosses(jobs, dataSpec, data.sha256(), calibration, seed, timeout, setting));
    }

    @Override
    public Future<SensitivityProbe.Point> probe(Handle<Network> model, Network net, Map<ParamRef, INDArray> masks, DataSpec dataSpec, DataSplits data,
                                                int samples, long seed, double ratio, boolean timed, SensitivityProbe.Recovery recovery,
                                                Duration timeout, String setting) {
        if (dataSpec == null) {
            throw new IllegalStateException("a probe for the cluster must name its data source");
        }
        ModelWire wire;
        synchronized (this) {
            if (!model.equals(shippedHandle) || !recovery.none() && !shippedUpdater) {
                shippedUpdater = !recovery.none();
                shipped = ModelWire.of(net, shippedUpdater);
                shippedHandle = model;
            }
            wire = shipped;
        }
        var job = Jobs.probe(wire, dataSpec, data.sha256(), seed, samples, ratio, timed, recovery, masks);
        return jobs.submit(job, wire, timeout, setting).map(answer -> {
            Double latency = answer.getDouble("latencyRatio");
            return new SensitivityProbe.Point(answer.getDouble("accuracy"), latency == null ? Double.NaN : latency);
        });
    }
}
