package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.config.SecateurConfig;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.metrics.ThroughputMetrics;
import dev.secateur.sensitivity.SensitivityProbe;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import dev.secateur.cluster.JobDispatch;
import io.vertx.core.Future;

/** Evaluates models: accuracy, loss, the census of zeros and FLOPs, latency, and sensitivity probes. */
final class EvaluatorVerticle extends StageVerticle {

    private final Evaluator evaluator;
    private final SensitivityProbe probe;
    private final ThroughputMetrics throughput = new ThroughputMetrics();
    /** Where probes are measured: here, or on the cluster's workers. */
    private final JobDispatch jobs;

    EvaluatorVerticle(Stores stores, Evaluator evaluator, SensitivityProbe probe, MeterRegistry registry, JobDispatch jobs) {
        super(SecateurConfig.EVALUATOR, stores, registry);
        this.evaluator = evaluator;
        this.probe = probe;
        this.jobs = jobs;
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
            return new StageReply.Measured(quality.accuracy(), quality.loss(), Evaluator.perplexity(test, quality.loss()));
        });
        serveAsync(Addresses.EVALUATOR_PROBE, StageRequest.Probe.class, this::probe);
        return Future.succeededFuture();
    }

    /**
     * One sensitivity point: the masks are chosen here from the scores (cheap) and measured where the dispatch
     * says; on the cluster they travel as bitsets, and the model is serialised once per analysis.
     */
    private Future<StageReply.Probed> probe(StageRequest.Probe request) {
        var splits = stores.data().get(request.data());
        var masks = probe.masks(request.group(), stores.scores().get(request.scores()), request.granularity(), request.ratio(),
                request.provenance());
        return jobs.probe(request.model(), stores.models().get(request.model()), masks, request.dataSpec(), splits,
                        request.samples(), request.seed(), request.ratio(), request.timed(), request.recovery(), timeLimit(),
                        "timeoutSeconds." + SecateurConfig.EVALUATOR)
                .map(point -> {
                    throughput.evaluated(Math.min(request.samples(), splits.train().size()));
                    return new StageReply.Probed(point.accuracy(), point.latencyRatio());
                });
    }
}
