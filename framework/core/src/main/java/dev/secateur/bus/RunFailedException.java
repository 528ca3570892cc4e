package dev.secateur.bus;

/** A run that ended in failure, as its submitter sees it. */
public final class RunFailedException extends RuntimeException {

    private final FailureCode code;

    public RunFailedException(FailureCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public FailureCode code() {
        return code;
    }
}
