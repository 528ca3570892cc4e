package dev.secateur.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** What the in-process tests of the command line share: a directory of their own, and what a command printed. */
abstract class InProcessCommandLine {

    @TempDir
    Path dir;

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    /** Runs {@code secateur args...} in this JVM and returns its exit code. */
    int run(String... args) {
        return Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }
}
