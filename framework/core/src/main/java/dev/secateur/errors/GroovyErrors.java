package dev.secateur.errors;

import java.nio.file.Path;
import javax.lang.model.SourceVersion;
import org.codehaus.groovy.control.CompilationFailedException;
import org.codehaus.groovy.control.MultipleCompilationErrorsException;
import org.codehaus.groovy.control.messages.ExceptionMessage;
import org.codehaus.groovy.control.messages.SyntaxErrorMessage;

/** Groovy compile errors in one line that names the file, the line and the column: scripts and source plugins alike. */
public final class GroovyErrors {

    private GroovyErrors() {
    }

    /**
     * "file:line:column: message; {@code fix}" for a syntax error, "file: message" otherwise.
     *
     * @param file what to call the source in the message, such as its path
     * @param fix  what to do about it, such as "fix the script and run it again"
     */
    public static String describe(Object file, CompilationFailedException e, String fix) {
        if (e instanceof MultipleCompilationErrorsException multiple && multiple.getErrorCollector().getErrorCount() > 0) {
            var error = multiple.getErrorCollector().getError(0);
            if (error instanceof SyntaxErrorMessage syntax) {
                var cause = syntax.getCause();
                return file + ":" + cause.getLine() + ":" + cause.getStartColumn() + ": "
                        + firstLine(cause.getOriginalMessage()) + "; " + fix;
            }
            if (error instanceof ExceptionMessage exception) {
                return file + ": " + firstLine(String.valueOf(exception.getCause().getMessage()));
            }
        }
        return file + ": " + firstLine(e.getMessage());
    }

    /**
     * The name Groovy compiles a source under, which becomes its class name and the file name of its stack
     * frames: the file name, unless that is not a legal class name (long.groovy, 2-layers.groovy), in which
     * case it is made into one.
     */
    public static String sourceName(Path source) {
        String file = source.getFileName().toString();
        String stem = file.endsWith(".groovy") ? file.substring(0, file.length() - ".groovy".length()) : file;
        if (SourceVersion.isName(stem)) {
            return stem + ".groovy";
        }
        return "script_" + stem.replaceAll("[^A-Za-z0-9_$]", "_") + ".groovy";
    }

    /** The first line of a message, trimmed; "" for none. */
    public static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int newline = text.indexOf('\n');
        return (newline < 0 ? text : text.substring(0, newline)).trim();
    }
}
