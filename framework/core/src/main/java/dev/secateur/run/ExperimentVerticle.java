package dev.secateur.run;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.FailureCode;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.config.SecateurConfig;
import dev.secateur.errors.RunCancelledException;
import dev.secateur.plugin.PluginHost;
import dev.secateur.record.RunDirectory;
import dev.secateur.store.Stores;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * The coordinator. It runs on an event loop and only orchestrates: each experiment becomes a
 * {@link RunSession} that sends requests to the stages in data-flow order, by handle.
 */
public final class ExperimentVerticle extends VerticleBase {

    private final Stores stores;
    private final RunPlanner planner;
    private final SecateurConfig config;
    private final Clock clock;
    /** The runs in progress, by id; only this verticle's event loop touches it. */
    private final Map<String, StageCalls> running = new HashMap<>();
    /** Cancels that came before their run's request did: the run stops at its first stage boundary. */
    private final Map<String, Boolean> cancelledEarly = new HashMap<>();
    /** Where each run in progress writes, for the message that tells how to resume it. */
    private final Map<String, Path> runDirs = new HashMap<>();

    public ExperimentVerticle(Stores stores, PluginHost plugins, SecateurConfig config, Clock clock) {
        this.stores = stores;
        this.planner = new RunPlanner(plugins);
        this.config = config;
        this.clock = clock;
    }

    @Override
    public Future<?> start() {
        vertx.eventBus().<StageRequest.RunExperiment>consumer(Addresses.EXPERIMENT_RUN, message -> {
            var request = message.body();
            String runId = request.resume() != null ? request.resume().getFileName().toString()
                    : request.runId() != null ? request.runId() : RunDirectory.newRunId(request.spec().name(), clock);
            if (running.containsKey(runId)) {
                // a second resume of a run this process runs: refused before it touches the run, its stages or its events
                message.fail(FailureCode.BAD_INPUT.code(), "run " + runId + " is running in this process (process "
                        + ProcessHandle.current().pid() + "); stop it first, or wait for it");
                return;
            }
            var stages = new StageCalls(vertx, config, runId);
            running.put(runId, stages);
            var runsDir = request.runsDir() == null ? config.runsDir() : request.runsDir();
            runDirs.put(runId, runsDir.resolve(runId).toAbsolutePath());
            var early = cancelledEarly.remove(runId);
            if (early != null) {
                stages.stop(stopped(runId, early));
            }
            var session = new RunSession(stages, planner, new HeldHandles(stores), request.spec(),
                    request.runsDir() == null ? config.runsDir() : request.runsDir(), runId, request.resume(), request.script(),
                    request.acceptChanges());
            var limit = config.timeout(SecateurConfig.EXPERIMENT);
            long timer = vertx.setTimer(limit.toMillis(), id -> stages.stop(new ReplyException(
                    ReplyFailure.RECIPIENT_FAILURE, FailureCode.TIMEOUT.code(), "run " + runId + " did not finish "
                    + "within " + limit.toSeconds() + " s and was stopped; raise timeoutSeconds.experiment in the configuration "
                    + "(--config FILE, laid over config/application.json)")));
            session.run().onComplete(done -> {
                vertx.cancelTimer(timer);
                running.remove(runId);
                runDirs.remove(runId);
                if (done.succeeded()) {
                    message.reply(done.result());
                } else {
                    message.fail(FailureCode.of(done.cause()).code(), FailureCode.messageOf(done.cause()));
                }
            });
        });
        vertx.eventBus().<StageRequest.CancelExperiment>consumer(Addresses.EXPERIMENT_CANCEL, message -> {
            var stages = running.get(message.body().runId());
            if (stages != null) {
                stages.stop(stopped(message.body().runId(), message.body().interrupted()));
            } else {
                cancelledEarly.put(message.body().runId(), message.body().interrupted());
            }
            message.reply(new StageReply.CancelAsked(message.body().runId(), stages != null));
        });
        return Future.succeededFuture();
    }

    private RunCancelledException stopped(String runId, boolean interrupted) {
        var dir = runDirs.get(runId);
        return new RunCancelledException(interrupted
                ? "run " + runId + " was interrupted; resume it with bin/secateur resume " + (dir == null ? runId : dir)
                : "run " + runId + " was cancelled", interrupted);
    }
}
