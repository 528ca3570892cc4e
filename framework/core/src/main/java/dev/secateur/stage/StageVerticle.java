package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.FailureCode;
import dev.secateur.errors.RunCancelledException;
import dev.secateur.metrics.StageMetrics;
import dev.secateur.model.MaskSet;
import dev.secateur.plugin.PluginThread;
import dev.secateur.store.Handle;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stage: a worker verticle that binds a plain class to an address. It replies with the result or fails
 * the message with a {@link FailureCode} and the error's one-paragraph message, and times every request.
 */
abstract class StageVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(StageVerticle.class);

    private final String stage;
    private final StageMetrics timings;
    /** The job in progress, if any; guarded by itself, so an interrupt never lands after the job ended. */
    private final Object jobLock = new Object();
    private Job job;
    private Duration timeout;
    /**
     * Sessions of runs cancelled while this stage worked or queued, by session key ({@code RUN-ID#N}); keys are
     * never reused (a resume is a new session), so they are only kept.
     */
    private final Set<String> stoppedRuns = ConcurrentHashMap.newKeySet();
    /**
     * Timeouts fire here, not on the stage's own context: that is the thread the job is blocking, so a Vert.x
     * timer would only fire once the job had ended.
     */
    private static final ScheduledThreadPoolExecutor TIMEOUTS = timeouts();

    private static ScheduledThreadPoolExecutor timeouts() {
        var executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            var thread = new Thread(runnable, "secateur-stage-timeouts");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }
    /** The objects every stage reaches by handle. */
    final Stores stores;
    final MeterRegistry registry;

    StageVerticle(String stage, Stores stores, MeterRegistry registry) {
        this.stage = stage;
        this.stores = stores;
        this.registry = registry;
        this.timings = new StageMetrics(stage);
        timings.bindTo(registry);
    }

    /** One job on this stage's thread, and why it was stopped, if it was. */
    private static final class Job {
        final Thread thread = Thread.currentThread();
        final String runId;
        volatile Throwable stoppedBecause;

        Job(String runId) {
            this.runId = runId;
        }
    }

    /**
     * Stops a job that runs longer than {@code limit}: its thread is interrupted, the plain classes check
     * between minibatches, and the request fails with the setting to raise. The caller waits a little longer
     * than this, so the stage's own answer (and the stage) is free first.
     */
    StageVerticle timeout(Duration limit) {
        this.timeout = limit;
        return this;
    }

    /** Whether a job here may be interrupted; the recorder's file writes must not be. */
    boolean interruptible() {
        return true;
    }

    /**
     * Stops this stage's job for a cancelled run. Called from an event loop ({@link StageDeployment} listens
     * for {@link dev.secateur.bus.Addresses#STAGE_INTERRUPT}), since this stage's own thread is the busy one.
     */
    void cancelRun(String runId) {
        if (!interruptible() || runId == null) {
            return;
        }
        // a job of that run still queued behind this one is refused when it starts
        stoppedRuns.add(runId);
        synchronized (jobLock) {
            if (job != null && runId.equals(job.runId)) {
                stop(job, cancelled(runId));
            }
        }
    }

    private RunCancelledException cancelled(String session) {
        return new RunCancelledException("run " + Addresses.runIdOf(session) + " was cancelled while the " + stage
                + " was working on it; it stopped between minibatches");
    }

    /** Interrupts {@code target} if it is still the job in progress and was not stopped already. */
    private void stop(Job target, Throwable because) {
        synchronized (jobLock) {
            if (job == target && target.stoppedBecause == null) {
                target.stoppedBecause = because;
                target.thread.interrupt();
            }
        }
    }

    /** The masks a request names, or none: the first step of a run has no masks yet. */
    MaskSet masksOrNone(Handle<MaskSet> masks) {
        return masks == null ? MaskSet.NONE : stores.masks().get(masks);
    }

    /** The stage's timeout; an hour when none was set. */
    Duration timeLimit() {
        return timeout == null ? Duration.ofHours(1) : timeout;
    }

    /**
     * Serves requests whose work may happen elsewhere (on cluster workers): the handler runs on this worker's
     * thread only to send them, and the answer comes when the future does, so requests overlap. Where the work
     * runs here instead, in the handler itself, it is this stage's job as a blocking one is: a cancel or the
     * timeout stops it, and a stopped run's requests still queued are refused when they come up.
     */
    <Q> void serveAsync(String address, Class<Q> type, Function<Q, Future<?>> handler) {
        vertx.eventBus().<Q>consumer(address, message -> {
            long start = System.nanoTime();
            var sent = asJob(message, () -> handler.apply(type.cast(message.body())));
            Future<?> answer = sent.failure() != null ? Future.failedFuture(sent.failure()) : sent.value();
            answer.onComplete(done -> answer(message, start, done.result(), done.failed() ? done.cause() : null));
        });
    }

    /** Serves requests of one type on an address; the handler runs on this worker's thread and may block. */
    <Q> void serve(String address, Class<Q> type, Function<Q, Object> handler) {
        vertx.eventBus().<Q>consumer(address, message -> {
            long start = System.nanoTime();
            var done = asJob(message, () -> handler.apply(type.cast(message.body())));
            answer(message, start, done.value(), done.failure());
        });
    }

    /** What a job gave: its value, or why it failed or was stopped. */
    private record Outcome<T>(T value, Throwable failure) {
    }

    /**
     * Runs {@code work} on this thread as the stage's job for the message's run: refused if that run was stopped,
     * interrupted by its cancel or by the stage's timeout. Whatever stopped work threw, the failure is why it was
     * stopped, and that a plugin ignored it.
     */
    private <T> Outcome<T> asJob(Message<?> message, Supplier<T> work) {
        var current = new Job(message.headers().get(Addresses.RUN_HEADER));
        synchronized (jobLock) {
            job = current; // published before the check, so a cancel in between finds it and stops it
        }
        if (current.runId != null && stoppedRuns.contains(current.runId)) {
            current.stoppedBecause = cancelled(current.runId);
        }
        var timer = timeout == null || !interruptible() ? null : TIMEOUTS.schedule(() -> stop(current,
                new ReplyException(ReplyFailure.RECIPIENT_FAILURE,
                        FailureCode.TIMEOUT.code(), "the " + stage + " did not finish within " + timeout.toSeconds()
                        + " s and was stopped; raise timeoutSeconds." + stage + " in the configuration (--config FILE, laid over "
                        + "config/application.json) for bigger models or data")), timeout.toMillis(), TimeUnit.MILLISECONDS);
        T value = null;
        Throwable failure = null;
        try {
            if (current.stoppedBecause == null) {
                value = work.get();
            }
        } catch (Throwable error) {
            failure = error;
        } finally {
            if (timer != null) {
                timer.cancel(false);
            }
            synchronized (jobLock) {
                job = null;
            }
            Thread.interrupted(); // the next job starts uninterrupted
        }
        if (current.stoppedBecause == null) {
            return new Outcome<>(value, failure);
        }
        var abandoned = failure instanceof PluginThread.PluginAbandonedException ? failure : null;
        Throwable stopped = current.stoppedBecause;
        if (abandoned != null && stopped instanceof ReplyException reply) {
            stopped = new ReplyException(reply.failureType(), reply.failureCode(), reply.getMessage() + "; " + abandoned.getMessage());
        }
        return new Outcome<>(null, stopped);
    }

    /** Answers a request with {@code reply}, or fails it with {@code failure}'s code, after recording its time. */
    private void answer(Message<?> message, long start, Object reply, Throwable failure) {
        var code = failure == null ? null : FailureCode.of(failure);
        // the time is recorded before answering, so whoever gets the answer also sees the timer
        timings.record(System.nanoTime() - start, code == null ? "success" : code.name().toLowerCase(Locale.ROOT));
        if (failure == null) {
            message.reply(reply);
            return;
        }
        if (code == FailureCode.STAGE_FAILED && !(failure instanceof UncheckedIOException)) {
            // a bug: its stack trace is for whoever fixes it; a failed write (a full disk) is said in its message
            LOG.error("{} failed on {}", stage, message.address(), failure);
        }
        message.fail(code.code(), FailureCode.messageOf(failure));
    }
}
