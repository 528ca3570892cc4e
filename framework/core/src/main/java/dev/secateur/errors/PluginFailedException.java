package dev.secateur.errors;

import java.lang.reflect.InvocationTargetException;

/** A plugin broke its contract at run time: it threw, or returned scores of the wrong shape or NaN. */
public class PluginFailedException extends RuntimeException {

    public PluginFailedException(String message, Throwable cause) {
        super(message, cause);
    }

    public PluginFailedException(String message) {
        super(message);
    }

    /**
     * What a plugin threw, in one line: its type and the first line of its message (and the next one when the
     * first ends in a colon, as a failed Groovy assert's "Assertion failed:" does), so a listing stays readable.
     */
    public static String describe(Throwable error) {
        if (error instanceof InvocationTargetException && error.getCause() != null) {
            return describe(error.getCause()); // reflection's wrapper says nothing of its own
        }
        String text = error.getMessage();
        if (text == null || text.isBlank()) {
            return error.getClass().getName() + (error.getCause() == null ? "" : " caused by " + describe(error.getCause()));
        }
        var lines = text.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        String line = lines.get(0);
        if (line.endsWith(":") && lines.size() > 1) {
            line += " " + lines.get(1);
        }
        return error.getClass().getName() + ": " + line;
    }
}
