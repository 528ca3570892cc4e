package dev.secateur.cluster;

import dev.secateur.errors.RunCancelledException;
import dev.secateur.model.Network;
import dev.secateur.model.PrunableParam;
import dev.secateur.score.UnitLossSource;
import dev.secateur.spec.DataSpec;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.ExecutionException;

/**
 * The oracle's units measured on the cluster: one job per unit removed, all sent at once. The network is
 * shipped to each worker once (its bytes name it), and each worker draws the same calibration sample from its
 * own copy of the data, checked by digest. One instance serves one scoring request.
 */
public final class ClusterUnitLosses implements UnitLossSource {

    private final ClusterJobs jobs;
    private final DataSpec data;
    private final String dataSha256;
    private final int calibration;
    private final long seed;
    private final Duration timeout;
    private final String setting;
    /** One scoring request scores every parameter of one unchanged network: it is serialised once, not per parameter. */
    private Network serialised;
    private ModelWire model;

    /** @param calibration the calibration sample's size, drawn with {@code seed} as the scorer draws it */
    public ClusterUnitLosses(ClusterJobs jobs, DataSpec data, String dataSha256, int calibration, long seed, Duration timeout,
                             String setting) {
        this.jobs = jobs;
        this.data = data;
        this.dataSha256 = dataSha256;
        this.calibration = calibration;
        this.seed = seed;
        this.timeout = timeout;
        this.setting = setting;
    }

    @Override
    public double[] lossesWithoutEachUnit(Network net, PrunableParam param) {
        if (net != serialised) {
            model = ModelWire.of(net);
            serialised = net;
        }
        int units = Math.toIntExact(param.units());
        var answers = new ArrayList<Future<JsonObject>>(units);
        for (int unit = 0; unit < units; unit++) {
            answers.add(jobs.submit(Jobs.unitLoss(model, data, dataSha256, seed, calibration, param.weights(), unit), model,
                    timeout, setting));
        }
        try {
            // the scorer's own thread waits; the answers arrive on the cluster's event loop
            Future.all(answers).toCompletionStage().toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunCancelledException("stopped while the cluster measured the oracle of " + param.weights());
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        double[] losses = new double[units];
        for (int unit = 0; unit < units; unit++) {
            losses[unit] = answers.get(unit).result().getDouble("loss");
        }
        return losses;
    }
}
