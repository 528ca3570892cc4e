package dev.secateur.spec;

import dev.secateur.files.Sha256;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The script an experiment was run from, and its arguments, kept in spec.json so that
 * {@code bin/secateur resume RUN} can run that script again with its finished experiments skipped.
 *
 * @param file   the script's absolute path
 * @param sha256 the SHA-256 of its content when the script was started, so that an edit during a long script does
 *               not change what its later runs record; null when the file could not be read
 */
public record ScriptOrigin(String file, List<String> args, String sha256) {

    public ScriptOrigin {
        args = List.copyOf(args);
    }

    /** The script as it is now: its digest taken here, when it starts. */
    public ScriptOrigin(String file, List<String> args) {
        this(file, args, digest(file));
    }

    private static String digest(String file) {
        Path path = Path.of(file);
        try {
            return Files.isRegularFile(path) ? Sha256.hex(path) : null;
        } catch (UncheckedIOException e) {
            return null; // unreadable: spec.json then records no digest rather than failing the run
        }
    }
}
