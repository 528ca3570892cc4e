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
import io.vertx.core.Future;

/** Evaluates models: accuracy, loss, the census of zeros and FLOPs, latency, and sensitivity probes. */
final class EvaluatorVerticle extends StageVerticle {

    private final Evaluator evaluator;
    private final SensitivityProbe probe;
    private final ThroughputMetrics throughput = new ThroughputMetrics();

    EvaluatorVerticle(Stores stores, Evaluator evaluator, SensitivityProbe probe, MeterRegistry registry) {
        super(SecateurConfig.EVALUATOR, stores, registry);
        this.evaluator = evaluator;
        this.probe = probe;
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
        serve(Addresses.EVALUATOR_PROBE, StageRequest.Probe.class, request -> {
            var validation = Calibration.validation(stores.data().get(request.data()), request.samples(), request.seed());
            var point = probe.probe(stores.models().get(request.model()), request.group(), stores.scores().get(request.scores()),
                    request.granularity(), request.ratio(), validation, request.provenance(), request.timed());
            throughput.evaluated(validation.size());
            return new StageReply.Probed(point.accuracy(), point.latencyRatio());
        });
        return Future.succeededFuture();
    }
}
