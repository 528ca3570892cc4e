package dev.secateur.errors;

/**
 * A plugin or a script asked to end the process ({@code System.exit}, {@code Runtime.exit} or
 * {@code Runtime.halt}) and the exit guard refused: the code that asked is at fault, and its caller says so.
 */
public class ExitRefusedException extends SecurityException {

    public ExitRefusedException(String message) {
        super(message);
    }
}
