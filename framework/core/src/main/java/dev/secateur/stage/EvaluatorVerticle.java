package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.sensitivity.SensitivityProbe;
import dev.secateur.metrics.MeterNames;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;

/** Evaluates models: accuracy, loss, the census of zeros and FLOPs, and latency. */
final class EvaluatorVerticle extends StageVerticle {

    private final Evaluator evaluator;
    private final Counter examples;

    private final SensitivityProbe probe;

    EvaluatorVerticle(Stores stores, Evaluator evaluator, SensitivityProbe probe, MeterRegistry registry) {
        super(SecateurConfig.EVALUATOR, stores, registry);
        this.evaluator = evaluator;
        this.probe = probe;
        this.examples = Counter.builder(MeterNames.EVAL_EXAMPLES).baseUnit(MeterNames.UNIT_EXAMPLES)
                .description("Test examples evaluated; its rate is the evaluation throughput").register(registry);
    }

    @Override
    public Future<?> start() {
        serve(Addresses.EVALUATOR_EVALUATE, StageRequest.Evaluate.class, request -> {
            var report = evaluator.evaluate(stores.models().get(request.model()), stores.data().get(request.data()).test(),
                    request.spec(), request.measure());
            examples.increment(report.examples());
            return new StageReply.Evaluated(report);
        });
        serve(Addresses.EVALUATOR_PROBE, StageRequest.Probe.class, request -> {
            var validation = Calibration.validation(stores.data().get(request.data()), request.samples(), request.seed());
            var point = probe.probe(stores.models().get(request.model()), request.group(), stores.scores().get(request.scores()),
                    request.granularity(), request.ratio(), validation, request.provenance(), request.timed());
            examples.increment(validation.size());
            return new StageReply.Probed(point.accuracy(), point.latencyRatio());
        });
        return Future.succeededFuture();
    }
}
