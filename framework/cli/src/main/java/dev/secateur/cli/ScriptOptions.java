package dev.secateur.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the commands that run a script: run, and resume, which runs one again. */
final class ScriptOptions {

    @Option(names = "--runs-dir", paramLabel = "DIR", description = "Where run directories go (default: runs).")
    Path runsDir;

    @Option(names = "--config", paramLabel = "FILE", description = "A JSON file laid over config/application.json.")
    Path config;

    @Option(names = "--no-progress", description = "Print a line per epoch instead of progress bars.")
    boolean noProgress;
}
