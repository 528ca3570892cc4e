package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.RunEvent;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.finetune.FineTuner;
import dev.secateur.metrics.MeterNames;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.util.Locale;

/** Trains baselines and fine-tunes pruned models, publishing progress as it goes. */
final class FineTunerVerticle extends StageVerticle {

    private final FineTuner fineTuner;

    FineTunerVerticle(Stores stores, FineTuner fineTuner, MeterRegistry registry) {
        super(SecateurConfig.FINETUNER, stores, registry);
        this.fineTuner = fineTuner;
    }

    @Override
    public Future<?> start() {
        serve(Addresses.FINETUNER_TRAIN, StageRequest.Train.class, request -> {
            var examples = Counter.builder(MeterNames.FINETUNE_EXAMPLES).baseUnit(MeterNames.UNIT_EXAMPLES)
                    .description("Training examples processed; its rate is the training throughput")
                    .tag(MeterNames.TAG_PHASE, request.phase().name().toLowerCase(Locale.ROOT)).register(registry);
            var masks = masksOrNone(request.masks());
            var data = stores.data().get(request.data());
            long[] counted = {0};
            var report = fineTuner.train(stores.models().get(request.model()), data.train(), request.training(), masks,
                    request.seed(), progress -> {
                        examples.increment(progress.examplesDone() - counted[0]);
                        counted[0] = progress.examplesDone();
                        var event = new RunEvent.TrainingProgress(request.runId(), request.phase(), request.step(),
                                progress.epoch(), progress.epochs(), progress.examplesDone(), progress.examplesTotal(),
                                progress.score());
                        vertx.eventBus().publish(event.address(), event);
                    });
            return new StageReply.Trained(report);
        });
        return Future.succeededFuture();
    }
}
