package dev.secateur.cli;

import dev.secateur.errors.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks of command-line values that must hold before anything loads, each naming its option. */
final class Flags {

    private Flags() {
    }

    /** A TCP port, 0 (any free one) to 65535; null when the option was not given. */
    static void port(String option, Integer port) {
        if (port != null && (port < 0 || port > 65_535)) {
            throw new BadInputException(option + " " + port + " is not a port; give 1 to 65535, or 0 for any free port");
        }
    }

    /**
     * A directory runs can be written to: it exists and is writable, or it can be created (its nearest
     * existing ancestor is a writable directory). Nothing is created here.
     */
    static void writableDirectory(String option, Path dir) {
        Path absolute = dir.toAbsolutePath().normalize();
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new BadInputException(option + " " + dir + " is a file, not a directory; give a directory for the run directories");
        }
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw new BadInputException(option + " " + dir + " cannot be created: " + existing + " is not a directory");
        }
        if (!Files.isWritable(existing)) {
            throw new BadInputException(option + " " + dir + (existing.equals(absolute) ? " is not writable" : " cannot be created: "
                    + existing + " is not writable") + " by this user; choose a directory you can write to");
        }
    }
}
