package dev.secateur.errors;

/** A plugin broke its contract at run time: it threw, or returned scores of the wrong shape or NaN. */
public class PluginFailedException extends RuntimeException {

    public PluginFailedException(String message, Throwable cause) {
        super(message, cause);
    }

    public PluginFailedException(String message) {
        super(message);
    }
}
