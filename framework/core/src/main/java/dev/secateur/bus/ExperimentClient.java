package dev.secateur.bus;

import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ScriptOrigin;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;

/** Submits experiments to the coordinator over the event bus. This is how scripts and the CLI run and explain them. */
public final class ExperimentClient {

    private final Vertx vertx;
    private final Duration timeout;
    private final Duration explainTimeout;

    /**
     * @param timeout        how long a whole experiment may take
     * @param explainTimeout how long the loader may take to explain one
     */
    public ExperimentClient(Vertx vertx, Duration timeout, Duration explainTimeout) {
        this.vertx = vertx;
        this.timeout = timeout;
        this.explainTimeout = explainTimeout;
    }

    /** Submits an experiment; the future completes when the run does. */
    public Future<StageReply.ExperimentDone> submit(ExperimentSpec spec, Path runsDir) {
        return submit(spec, runsDir, null);
    }

    /** The same, under a run id chosen by the caller (null: the coordinator names the run). */
    public Future<StageReply.ExperimentDone> submit(ExperimentSpec spec, Path runsDir, String runId) {
        return vertx.eventBus()
                .request(Addresses.EXPERIMENT_RUN, new StageRequest.RunExperiment(spec, runsDir, runId),
                        // the coordinator stops the run at the timeout and answers why; this only guards against no answer
                        new DeliveryOptions().setSendTimeout(timeout.toMillis() + Math.max(30_000, timeout.toMillis() / 10)))
                .map(message -> (StageReply.ExperimentDone) message.body());
    }

    /** Resumes the run in {@code runDir} from its latest checkpoint and waits for it, like {@link #run}. */
    public StageReply.ExperimentDone resume(ExperimentSpec spec, Path runDir) {
        return resume(spec, runDir, false);
    }

    /**
     * The same; with {@code acceptChanges}, a run whose data or plugins changed since spec.json was written goes on,
     * and spec.json records what changed. Without it such a resume is refused, naming both digests.
     */
    public StageReply.ExperimentDone resume(ExperimentSpec spec, Path runDir, boolean acceptChanges) {
        return await(vertx.eventBus()
                .request(Addresses.EXPERIMENT_RUN, new StageRequest.RunExperiment(spec, runDir.getParent(), null, runDir, null, acceptChanges),
                        new DeliveryOptions().setSendTimeout(timeout.toMillis() + Math.max(30_000, timeout.toMillis() / 10)))
                .map(message -> (StageReply.ExperimentDone) message.body()), spec);
    }

    /** Stops a running experiment at a safe point, marked INTERRUPTED so that its last checkpoint resumes it. */
    public Future<Boolean> interrupt(String runId) {
        return vertx.eventBus().request(Addresses.EXPERIMENT_CANCEL, new StageRequest.CancelExperiment(runId, true))
                .map(message -> ((StageReply.CancelAsked) message.body()).running());
    }

    /**
     * Asks a running experiment to stop at its next stage boundary; the answer says whether it was running. A
     * run whose request has not reached the coordinator yet stops as soon as it does.
     */
    public Future<Boolean> cancel(String runId) {
        return vertx.eventBus().request(Addresses.EXPERIMENT_CANCEL, new StageRequest.CancelExperiment(runId))
                .map(message -> ((StageReply.CancelAsked) message.body()).running());
    }

    /**
     * Runs an experiment and waits for it. Call it from a script or main thread, never from a Vert.x thread.
     *
     * @throws RunFailedException with the failure code and the one-paragraph message
     */
    public StageReply.ExperimentDone run(ExperimentSpec spec, Path runsDir) {
        return run(spec, runsDir, (String) null);
    }

    /** The same, under a run id chosen by the caller. */
    public StageReply.ExperimentDone run(ExperimentSpec spec, Path runsDir, String runId) {
        return await(submit(spec, runsDir, runId), spec);
    }

    /** The same, from a script that spec.json names, so that the run can be resumed by running it again. */
    public StageReply.ExperimentDone runFrom(ScriptOrigin script, ExperimentSpec spec, Path runsDir) {
        return runFrom(script, spec, runsDir, null);
    }

    /** The same, under a run id chosen by the caller (null: the coordinator names the run). */
    public StageReply.ExperimentDone runFrom(ScriptOrigin script, ExperimentSpec spec, Path runsDir, String runId) {
        return await(vertx.eventBus()
                .request(Addresses.EXPERIMENT_RUN, new StageRequest.RunExperiment(spec, runsDir, runId, null, script),
                        new DeliveryOptions().setSendTimeout(timeout.toMillis() + Math.max(30_000, timeout.toMillis() / 10)))
                .map(message -> (StageReply.ExperimentDone) message.body()), spec);
    }

    /**
     * The experiment's explain-plan, from the model's structure alone: the loader builds or loads the model
     * (a built-in is not trained), reads one input example, and prunes nothing. Blocks like {@link #run}.
     */
    public String explain(ExperimentSpec spec) {
        var explained = vertx.eventBus()
                .request(Addresses.LOADER_EXPLAIN, new StageRequest.Explain(spec), new DeliveryOptions().setSendTimeout(explainTimeout.toMillis()))
                .map(message -> ((StageReply.Explained) message.body()).text());
        return await(explained, spec);
    }

    private static <T> T await(Future<T> future, ExperimentSpec spec) {
        if (Context.isOnVertxThread()) {
            throw new IllegalStateException("waiting would block a Vert.x thread; use submit() there");
        }
        try {
            return future.toCompletionStage().toCompletableFuture().get();
        } catch (ExecutionException e) {
            var cause = e.getCause();
            throw new RunFailedException(FailureCode.of(cause), cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunFailedException(FailureCode.STAGE_FAILED, "interrupted while waiting for " + spec.name(), e);
        }
    }
}
