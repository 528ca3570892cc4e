package dev.secateur.run;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.FailureCode;
import dev.secateur.bus.RecordRequest;
import dev.secateur.bus.RunEvent;
import dev.secateur.bus.StageReply;
import dev.secateur.config.SecateurConfig;
import dev.secateur.errors.RunCancelledException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The coordinator's side of the bus: requests to the stages, each with its configured timeout, writes
 * through the recorder, and events published once they are recorded.
 */
final class StageCalls {

    /** Sessions started in this process, to number them. */
    private static final AtomicLong SESSIONS = new AtomicLong();

    private final Vertx vertx;
    private final SecateurConfig config;
    private final String runId;
    /** This session's key: a resume of the run in this process is a new session, which an earlier stop leaves alone. */
    private final String session;
    /** Why the run stops at its next stage boundary, or null while it goes on. */
    private volatile Throwable stopped;

    StageCalls(Vertx vertx, SecateurConfig config, String runId) {
        this.vertx = vertx;
        this.config = config;
        this.runId = runId;
        this.session = Addresses.sessionKey(runId, SESSIONS.incrementAndGet());
    }

    /** Stops the run: the job in progress stops between minibatches, and no further request is sent. */
    void cancel() {
        stop(new RunCancelledException("run " + runId + " was cancelled"));
    }

    /** The same, failing the run with {@code reason} (its code and message) rather than as cancelled. */
    void stop(Throwable reason) {
        if (stopped == null) {
            stopped = reason;
            vertx.eventBus().publish(Addresses.STAGE_INTERRUPT, session);
        }
    }

    /** Sends a request to a stage, unless the run was cancelled; a missing answer fails with the setting to raise. */
    <R> Future<R> send(String address, String stage, Object request, Class<R> replyType) {
        var reason = stopped;
        if (reason instanceof RunCancelledException cancelled && !cancelled.interrupted()) {
            return Future.failedFuture(new RunCancelledException("run " + runId + " was cancelled before the " + stage
                    + " was asked for its next step"));
        }
        if (reason != null) {
            return Future.failedFuture(reason);
        }
        return request(address, stage, request, replyType);
    }

    private <R> Future<R> request(String address, String stage, Object request, Class<R> replyType) {
        long timeoutMs = config.timeout(stage).toMillis();
        // the stage stops its own job at the timeout and answers why; waiting a little longer lets that answer arrive
        var options = new DeliveryOptions().setSendTimeout(timeoutMs + Math.max(5_000, timeoutMs / 10))
                .addHeader(Addresses.RUN_HEADER, session);
        return vertx.eventBus().request(address, request, options)
                .map(message -> replyType.cast(message.body()))
                .recover(error -> {
                    var reason = stopped;
                    if (reason != null && FailureCode.of(error) == FailureCode.CANCELLED) {
                        // the job was stopped for the run's reason; a user's cancel also says which stage it stopped in
                        return Future.failedFuture(reason instanceof RunCancelledException cancelled && !cancelled.interrupted()
                                ? new RunCancelledException(cancelled.getMessage() + " while the " + stage + " was working on it")
                                : reason);
                    }
                    if (error instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT) {
                        return Future.failedFuture(new ReplyException(ReplyFailure.TIMEOUT, FailureCode.TIMEOUT.code(),
                                "the " + stage + " did not answer within " + timeoutMs / 1000 + " s; raise timeoutSeconds."
                                        + stage + " in the configuration (--config) for bigger models or data"));
                    }
                    return Future.failedFuture(error);
                });
    }

    /**
     * Has the recorder write something into the run directory, cancelled or not (the record of a cancelled
     * run is written too); the answer is the path written, if any.
     */
    Future<Path> record(RecordRequest request) {
        return request(Addresses.RECORDER_WRITE, SecateurConfig.RECORDER, request, StageReply.Recorded.class)
                .map(StageReply.Recorded::path);
    }

    /** Records an event in the run directory, then publishes it, so a listener never sees an event the files lack. */
    Future<Void> event(RunEvent event) {
        return record(new RecordRequest.Event(event)).onSuccess(v -> vertx.eventBus().publish(event.address(), event)).mapEmpty();
    }

    /**
     * The end of a run that did not complete: its failed or cancelled event (the recorder marks the directory
     * FAILED or CANCELLED first, if there is one), and a failure with the same code and one-paragraph message
     * for whoever submitted the run.
     */
    <T> Future<T> failed(String experiment, Path runDir, Throwable error) {
        var code = FailureCode.of(error);
        String message = FailureCode.messageOf(error);
        String dir = runDir == null ? null : runDir.toString();
        RunEvent event = code == FailureCode.CANCELLED ? new RunEvent.RunCancelled(runId, experiment, message, dir)
                : new RunEvent.RunFailed(runId, experiment, code, message, dir);
        return event(event)
                .transform(ignored -> Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, code.code(), message)));
    }
}
