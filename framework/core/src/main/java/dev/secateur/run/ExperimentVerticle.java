package dev.secateur.run;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.FailureCode;
import dev.secateur.bus.StageRequest;
import dev.secateur.config.SecateurConfig;
import dev.secateur.plugin.PluginHost;
import dev.secateur.record.RunDirectory;
import dev.secateur.store.Stores;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Clock;

/**
 * The coordinator. It runs on an event loop and only orchestrates: each experiment becomes a
 * {@link RunSession} that sends requests to the stages in data-flow order, by handle.
 */
public final class ExperimentVerticle extends VerticleBase {

    private final Stores stores;
    private final RunPlanner planner;
    private final SecateurConfig config;
    private final Clock clock;

    public ExperimentVerticle(Stores stores, PluginHost plugins, SecateurConfig config, Clock clock) {
        this.stores = stores;
        this.planner = new RunPlanner(plugins);
        this.config = config;
        this.clock = clock;
    }

    @Override
    public Future<?> start() {
        var stages = new StageCalls(vertx, config);
        vertx.eventBus().<StageRequest.RunExperiment>consumer(Addresses.EXPERIMENT_RUN, message -> {
            var request = message.body();
            var session = new RunSession(stages, planner, new HeldHandles(stores), request.spec(),
                    request.runsDir() == null ? config.runsDir() : request.runsDir(),
                    RunDirectory.newRunId(request.spec().name(), clock));
            session.run().onComplete(done -> {
                if (done.succeeded()) {
                    message.reply(done.result());
                } else {
                    message.fail(FailureCode.of(done.cause()).code(), FailureCode.messageOf(done.cause()));
                }
            });
        });
        return Future.succeededFuture();
    }
}
