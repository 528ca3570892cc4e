package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.RunEvent;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.config.SecateurConfig;
import dev.secateur.finetune.FineTuner;
import dev.secateur.metrics.ThroughputMetrics;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.util.Locale;

/** Trains baselines and fine-tunes pruned models, publishing progress as it goes. */
final class FineTunerVerticle extends StageVerticle {

    private final FineTuner fineTuner;
    private final ThroughputMetrics throughput = new ThroughputMetrics();

    FineTunerVerticle(Stores stores, FineTuner fineTuner, MeterRegistry registry) {
        super(SecateurConfig.FINETUNER, stores, registry);
        this.fineTuner = fineTuner;
        throughput.bindTo(registry);
    }

    @Override
    public Future<?> start() {
        serve(Addresses.FINETUNER_TRAIN, StageRequest.Train.class, request -> {
            String phase = request.phase().name().toLowerCase(Locale.ROOT);
            var masks = masksOrNone(request.masks());
            var data = stores.data().get(request.data());
            long[] counted = {0};
            var extras = new FineTuner.Extras(request.teacher() == null ? null : stores.models().get(request.teacher()),
                    request.distillation(), request.captureAt());
            var result = fineTuner.train(stores.models().get(request.model()), data.train(), request.training(), masks,
                    request.seed(), progress -> {
                        throughput.trained(phase, progress.examplesDone() - counted[0]);
                        counted[0] = progress.examplesDone();
                        var event = new RunEvent.TrainingProgress(request.runId(), request.phase(), request.step(),
                                progress.epoch(), progress.epochs(), progress.examplesDone(), progress.examplesTotal(),
                                progress.score());
                        vertx.eventBus().publish(event.address(), event);
                    }, extras);
            return new StageReply.Trained(result.report(), result.captured() == null ? null : stores.models().put(result.captured()));
        });
        return Future.succeededFuture();
    }
}
