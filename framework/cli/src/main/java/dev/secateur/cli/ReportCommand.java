package dev.secateur.cli;

import dev.secateur.errors.BadInputException;
import dev.secateur.record.RunDetail;
import dev.secateur.record.RunDirectory;
import dev.secateur.record.RunReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code secateur report RUN [RUN...] [--out FILE]}: report.html of one run again, or a comparison of several. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write a self-contained HTML report: of one run (again, into RUN/report.html), or comparing several "
                + "runs: accuracy against sparsity overlaid, their last rows side by side, then each run in full.")
final class ReportCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "RUN", description = "run directories, such as runs/quickstart-<id>")
    List<Path> runs = new ArrayList<>();

    @Option(names = "--out", paramLabel = "FILE",
            description = "where to write (default: RUN/report.html for one run, compare-report.html here for several)")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        for (Path run : runs) {
            if (!Files.isRegularFile(run.resolve(RunDirectory.SPEC))) {
                throw new BadInputException(run + " is not a run directory (it has no " + RunDirectory.SPEC
                        + "); give directories under runs/, such as runs/quickstart-20261129-201812-9068");
            }
        }
        Path written;
        if (runs.size() == 1) {
            var run = runs.get(0);
            written = out == null ? RunReport.write(run) : RunReport.write(run, RunDetail.of(run, false), out);
        } else {
            written = RunReport.compare(runs, out != null ? out : Path.of("compare-report.html"));
        }
        var console = spec.commandLine().getOut();
        console.println("report: " + written.toAbsolutePath());
        console.flush();
        return Main.OK;
    }
}
