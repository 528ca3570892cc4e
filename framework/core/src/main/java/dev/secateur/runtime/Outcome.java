package dev.secateur.runtime;

import dev.secateur.bus.FailureCode;
import dev.secateur.bus.RunFailedException;
import dev.secateur.errors.BadInputException;
import dev.secateur.errors.ScriptFailedException;

/**
 * How a script or command ended, for a person: an exit code (0 success, 1 a run failed, 2 bad input,
 * 3 a run was cancelled, 130 or 143 interrupted by Ctrl-C or SIGTERM) and one paragraph, the same from the command line and from the server.
 */
public final class Outcome {

    public static final int OK = 0;
    public static final int RUN_FAILED = 1;
    public static final int BAD_INPUT = 2;
    public static final int CANCELLED = 3;
    /** 128 + SIGINT, as a shell reports Ctrl-C; a SIGTERM exits 143. */
    public static final int INTERRUPTED = 130;

    private Outcome() {
    }

    public static int exitCode(Throwable e) {
        if (e instanceof BadInputException) {
            return BAD_INPUT;
        }
        if (e instanceof RunFailedException failed) {
            return switch (failed.code()) {
                case BAD_INPUT -> BAD_INPUT;
                case CANCELLED -> CANCELLED;
                case INTERRUPTED -> INTERRUPTED;
                default -> RUN_FAILED;
            };
        }
        return RUN_FAILED;
    }

    /**
     * "error: what, where and how to fix it" for bad input and failed runs, "cancelled: which run, before which
     * stage" for a cancelled one, "failed: the exception" for a bug.
     */
    public static String describe(Throwable e) {
        if (e instanceof RunFailedException failed && failed.code() == FailureCode.CANCELLED) {
            return "cancelled: " + e.getMessage();
        }
        if (e instanceof RunFailedException failed && failed.code() == FailureCode.INTERRUPTED) {
            return "interrupted: " + e.getMessage();
        }
        if (e instanceof BadInputException || e instanceof RunFailedException) {
            return "error: " + e.getMessage();
        }
        if (e instanceof ScriptFailedException) {
            return "failed: " + e.getMessage() + (e.getCause() != null && e.getCause().getCause() != null
                    ? " (caused by " + e.getCause().getCause() + ")" : "");
        }
        return "failed: " + e + (e.getCause() != null ? " (caused by " + e.getCause() + ")" : "");
    }
}
