package dev.secateur.cli;

import dev.secateur.config.SecateurConfig;
import dev.secateur.record.Checkpoints;
import dev.secateur.record.RunIndex;
import dev.secateur.record.RunLock;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code secateur runs}: every run directory with its state, and what a resume would continue from. */
@Command(name = "runs", mixinStandardHelpOptions = true,
        description = "List the run directories: running, completed, failed, interrupted or cancelled, and the checkpoint each has.")
final class RunsCommand implements Callable<Integer> {

    @Option(names = "--runs-dir", paramLabel = "DIR", description = "Where run directories are (default: runs).")
    Path runsDir;

    @Option(names = "--config", paramLabel = "FILE", description = "A JSON file laid over config/application.json.")
    Path config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var base = runsDir != null ? runsDir : SecateurConfig.load(config).runsDir();
        var index = new RunIndex(base);
        var out = spec.commandLine().getOut();
        var runs = index.list(id -> false);
        if (runs.isEmpty()) {
            out.println("no runs in " + base);
            return Main.OK;
        }
        out.printf(Locale.ROOT, "%-44s %-11s %5s  %-10s %s%n", "run", "state", "rows", "checkpoint", "note");
        for (var run : runs) {
            var dir = base.resolve(run.id());
            String checkpoint = Checkpoints.latest(dir).map(c -> "step " + c.step()).orElse("-");
            var lock = RunLock.holder(dir);
            String note = switch (run.status()) {
                case RUNNING -> lock.map(RunLock.Holder::describe).orElse("");
                case INTERRUPTED, FAILED, CANCELLED -> checkpoint.equals("-") ? "" : "bin/secateur resume " + dir
                        + (lock.isPresent() ? "  (process " + lock.get().pid() + " is gone)" : "");
                default -> "";
            };
            out.printf(Locale.ROOT, "%-44s %-11s %5d  %-10s %s%n", run.id(), run.status().name().toLowerCase(Locale.ROOT),
                    run.steps(), checkpoint, note);
        }
        return Main.OK;
    }
}
