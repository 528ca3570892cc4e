package dev.secateur.errors;

/**
 * The user gave something Secateur cannot use: a file, a script, a plugin id, a parameter value. The
 * message is one paragraph that names the thing, the value and the fix; it is shown as is, without a
 * stack trace, and the command line exits with code 2.
 */
public class BadInputException extends RuntimeException {

    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
