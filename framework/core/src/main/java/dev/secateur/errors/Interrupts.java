package dev.secateur.errors;

import java.util.concurrent.CancellationException;

/**
 * Where long work looks for a stop request: between minibatches. A stage interrupts its thread to cancel a
 * run or end a job past its timeout; the work ends at the next check, and the stage answers why.
 */
public final class Interrupts {

    private Interrupts() {
    }

    /** Throws if this thread was asked to stop. */
    public static void check(String where) {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("stopped " + where);
        }
    }
}
