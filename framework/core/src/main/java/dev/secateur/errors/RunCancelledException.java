package dev.secateur.errors;

/**
 * A run stopped because someone asked it to: cancelled, or interrupted by a signal (SIGTERM, Ctrl-C), in
 * which case it is marked INTERRUPTED and its last checkpoint resumes it.
 */
public class RunCancelledException extends RuntimeException {

    private final boolean interrupted;

    public RunCancelledException(String message) {
        this(message, false);
    }

    public RunCancelledException(String message, boolean interrupted) {
        super(message);
        this.interrupted = interrupted;
    }

    public boolean interrupted() {
        return interrupted;
    }
}
