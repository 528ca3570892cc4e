package dev.secateur.errors;

/** A run stopped at a stage boundary because someone asked it to. */
public class RunCancelledException extends RuntimeException {

    public RunCancelledException(String message) {
        super(message);
    }
}
