package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.FailureCode;
import dev.secateur.bus.RunEvent;
import dev.secateur.bus.StageRequest;
import dev.secateur.plugin.PluginHost;
import dev.secateur.store.Stores;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The coordinator. It runs on an event loop and only orchestrates: each experiment becomes a
 * {@link RunSession} that sends requests to the stages in data-flow order and records the events.
 */
final class ExperimentVerticle extends VerticleBase {

    private final Stores stores;
    private final PluginHost plugins;
    private final SecateurConfig config;
    private final Clock clock;
    private final Map<String, RunSession> active = new ConcurrentHashMap<>();

    ExperimentVerticle(Stores stores, PluginHost plugins, SecateurConfig config, Clock clock) {
        this.stores = stores;
        this.plugins = plugins;
        this.config = config;
        this.clock = clock;
    }

    @Override
    public Future<?> start() {
        vertx.eventBus().<StageRequest.RunExperiment>consumer(Addresses.EXPERIMENT_RUN, message -> {
            var request = message.body();
            var session = new RunSession(vertx, stores, plugins, config, request.spec(),
                    request.runsDir() == null ? config.runsDir() : request.runsDir(), clock);
            active.put(session.runId(), session);
            session.run().onComplete(done -> {
                active.remove(session.runId());
                if (done.succeeded()) {
                    message.reply(done.result());
                } else {
                    message.fail(FailureCode.of(done.cause()).code(), StageVerticle.messageOf(done.cause()));
                }
            });
        });
        vertx.eventBus().<RunEvent.TrainingProgress>consumer(Addresses.FINETUNER_PROGRESS, message -> {
            var session = active.get(message.body().runId());
            if (session != null) {
                session.onProgress(message.body());
            }
        });
        return Future.succeededFuture();
    }
}
