package dev.secateur.cli;

import dev.secateur.export.Exporter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code secateur export RUN --format dl4j|npy|sparse}: the run's final model in another form. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a finished run's model: a DL4J zip, .npy weights and masks, or a sparse file "
                + "(CSR with 8-bit relative indices, Han et al.) with a size report.")
final class ExportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RUN", description = "a run directory, such as runs/quickstart-<id>")
    Path run;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "dl4j, npy or sparse")
    String format;

    @Option(names = "--out", paramLabel = "DIR", description = "where to write (default: RUN/export)")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var lines = new Exporter().export(run, Exporter.Format.parse(format), out == null ? run.resolve("export") : out);
        var console = spec.commandLine().getOut();
        lines.forEach(console::println);
        console.flush();
        return Main.OK;
    }
}
