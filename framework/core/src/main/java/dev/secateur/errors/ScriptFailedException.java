package dev.secateur.errors;

/**
 * A script that stopped for a reason that is not bad input: an exception from inside Secateur while it ran,
 * or an interrupt (its time limit, Ctrl-C). The message starts with the script's file and line.
 */
public final class ScriptFailedException extends RuntimeException {

    public ScriptFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
