package dev.secateur.bus;

import dev.secateur.errors.BadInputException;
import dev.secateur.errors.PluginFailedException;
import dev.secateur.errors.RunCancelledException;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.Arrays;
import java.util.NoSuchElementException;

/** The few ways a request can fail, carried as the code of {@code Message.fail(code, text)}. */
public enum FailureCode {
    /** The user's input is unusable: a file, a script, a plugin id, a value. */
    BAD_INPUT(400),
    /** A handle that is not (or no longer) in its store. */
    NOT_FOUND(404),
    /** A stage failed for another reason: a bug, out of memory, a full disk. */
    STAGE_FAILED(500),
    /** A plugin threw or broke its contract. */
    PLUGIN_FAILED(502),
    /** No reply within the configured timeout, or nobody listening. */
    TIMEOUT(504),
    /** Cancelled on request; it stopped at a stage boundary. */
    CANCELLED(499),
    /** Stopped by a signal (SIGTERM, Ctrl-C) at a safe point: marked INTERRUPTED, and its last checkpoint resumes it. */
    INTERRUPTED(498);

    private final int code;

    FailureCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The code for an exception thrown by a stage's plain class. */
    public static FailureCode of(Throwable error) {
        if (error instanceof BadInputException) {
            return BAD_INPUT;
        }
        if (error instanceof PluginFailedException) {
            return PLUGIN_FAILED;
        }
        if (error instanceof RunCancelledException cancelled) {
            return cancelled.interrupted() ? INTERRUPTED : CANCELLED;
        }
        if (error instanceof NoSuchElementException) {
            return NOT_FOUND;
        }
        if (error instanceof ReplyException reply) {
            return fromReply(reply);
        }
        return STAGE_FAILED;
    }

    /** An error's one-paragraph message, or its type when it has none. */
    public static String messageOf(Throwable error) {
        String text = error.getMessage();
        return text == null || text.isBlank() ? error.getClass().getSimpleName() : text;
    }

    private static FailureCode fromReply(ReplyException reply) {
        if (reply.failureType() == ReplyFailure.TIMEOUT) {
            return TIMEOUT;
        }
        if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
            return STAGE_FAILED;
        }
        return Arrays.stream(values()).filter(c -> c.code == reply.failureCode()).findFirst().orElse(STAGE_FAILED);
    }
}
