package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.config.SecateurConfig;
import dev.secateur.data.Calibration;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.metrics.ThroughputMetrics;
import dev.secateur.sensitivity.SensitivityProbe;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import dev.secateur.cluster.ClusterJobs;
import dev.secateur.cluster.Jobs;
import dev.secateur.cluster.ModelWire;
import dev.secateur.model.Network;
import dev.secateur.store.Handle;
import io.vertx.core.Future;

/** Evaluates models: accuracy, loss, the census of zeros and FLOPs, latency, and sensitivity probes. */
final class EvaluatorVerticle extends StageVerticle {

    private final Evaluator evaluator;
    private final SensitivityProbe probe;
    private final ThroughputMetrics throughput = new ThroughputMetrics();
    /** In cluster mode, where probes go; null runs them here. */
    private final ClusterJobs cluster;
    /** The model the current analysis probes, serialised once for the workers. */
    private Handle<Network> shippedHandle;
    private ModelWire shipped;

    EvaluatorVerticle(Stores stores, Evaluator evaluator, SensitivityProbe probe, MeterRegistry registry, ClusterJobs cluster) {
        super(SecateurConfig.EVALUATOR, stores, registry);
        this.evaluator = evaluator;
        this.probe = probe;
        this.cluster = cluster;
        throughput.bindTo(registry);
    }

    @Override
    public Future<?> start() {
        serve(Addresses.EVALUATOR_EVALUATE, StageRequest.Evaluate.class, request -> {
            var report = evaluator.evaluate(stores.models().get(request.model()), stores.data().get(request.data()).test(),
                    request.spec(), request.measure(), request.denseWeights());
            throughput.evaluated(report.examples());
            return new StageReply.Evaluated(report);
        });
        serve(Addresses.EVALUATOR_QUALITY, StageRequest.Quality.class, request -> {
            var test = stores.data().get(request.data()).test();
            var quality = Evaluator.quality(stores.models().get(request.model()), test);
            Evaluator.releaseNativeMemory();
            throughput.evaluated(test.size());
            return new StageReply.Measured(quality.accuracy(), quality.loss());
        });
        if (cluster != null) {
            serveAsync(Addresses.EVALUATOR_PROBE, StageRequest.Probe.class, this::probeOnCluster);
            return Future.succeededFuture();
        }
        serve(Addresses.EVALUATOR_PROBE, StageRequest.Probe.class, request -> {
            var validation = Calibration.validation(stores.data().get(request.data()), request.samples(), request.seed());
            var point = probe.probe(stores.models().get(request.model()), request.group(), stores.scores().get(request.scores()),
                    request.granularity(), request.ratio(), validation, request.provenance(), request.timed());
            throughput.evaluated(validation.size());
            return new StageReply.Probed(point.accuracy(), point.latencyRatio());
        });
        return Future.succeededFuture();
    }

    /**
     * A probe on a cluster worker: the masks are chosen here from the scores (cheap) and travel as bitsets; the
     * worker applies them to its copy of the model and measures. The model is serialised once per analysis.
     */
    private Future<StageReply.Probed> probeOnCluster(StageRequest.Probe request) {
        if (request.dataSpec() == null) {
            throw new IllegalStateException("a probe for the cluster must name its data source");
        }
        var net = stores.models().get(request.model());
        var splits = stores.data().get(request.data());
        var masks = probe.masks(request.group(), stores.scores().get(request.scores()), request.granularity(), request.ratio(),
                request.provenance());
        ModelWire model;
        synchronized (this) {
            if (!request.model().equals(shippedHandle)) {
                shipped = ModelWire.of(net);
                shippedHandle = request.model();
            }
            model = shipped;
        }
        var job = Jobs.probe(model, request.dataSpec(), splits.sha256(), request.seed(), request.samples(), request.ratio(),
                request.timed(), masks);
        return cluster.submit(job, model, timeLimit(), "timeoutSeconds." + SecateurConfig.EVALUATOR).map(answer -> {
            throughput.evaluated(Math.min(request.samples(), splits.train().size()));
            Double latency = answer.getDouble("latencyRatio");
            return new StageReply.Probed(answer.getDouble("accuracy"), latency == null ? Double.NaN : latency);
        });
    }
}
