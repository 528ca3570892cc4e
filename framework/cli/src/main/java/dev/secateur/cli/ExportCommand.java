package dev.secateur.cli;

import dev.secateur.errors.BadInputException;
import dev.secateur.export.Exporter;
import dev.secateur.record.RunDirectory;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code secateur export RUN --format dl4j|onnx|npy|sparse}, or {@code --onnx}: the run's final model in another form. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a finished run's model: a DL4J zip, an ONNX model, .npy weights and masks, or a sparse file "
                + "(CSR with 8-bit relative indices, Han et al.) with a size report.")
final class ExportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RUN", description = "a run directory, such as runs/quickstart-<id>")
    Path run;

    @Option(names = "--format", paramLabel = "FORMAT", description = "dl4j, onnx, npy or sparse")
    String format;

    @Option(names = "--onnx", description = "the same as --format onnx: RUN/export/model.onnx")
    boolean onnx;

    @Option(names = "--out", paramLabel = "DIR", description = "where to write (default: RUN/export)")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var lines = new Exporter().export(run, format(), out == null ? run.resolve(RunDirectory.EXPORT) : out);
        var console = spec.commandLine().getOut();
        lines.forEach(console::println);
        console.flush();
        return Main.OK;
    }

    /** The format asked for: --format, or --onnx, which is --format onnx; both must agree, and one must be given. */
    private Exporter.Format format() {
        if (format == null && !onnx) {
            throw new BadInputException("export needs a format: --format dl4j|onnx|npy|sparse, or --onnx");
        }
        if (format == null) {
            return Exporter.Format.ONNX;
        }
        var chosen = Exporter.Format.parse(format);
        if (onnx && chosen != Exporter.Format.ONNX) {
            throw new BadInputException("--onnx and --format " + format + " ask for two formats; give one of them "
                    + "(--onnx is --format onnx)");
        }
        return chosen;
    }
}
