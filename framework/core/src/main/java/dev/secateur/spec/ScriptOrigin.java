package dev.secateur.spec;

import java.util.List;

/**
 * The script an experiment was run from, and its arguments, kept in spec.json so that
 * {@code bin/secateur resume RUN} can run that script again with its finished experiments skipped.
 *
 * @param file the script's absolute path
 */
public record ScriptOrigin(String file, List<String> args) {

    public ScriptOrigin {
        args = List.copyOf(args);
    }
}
