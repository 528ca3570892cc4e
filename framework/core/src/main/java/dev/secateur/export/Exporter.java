package dev.secateur.export;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.ModelFiles;
import dev.secateur.model.onnx.OnnxWriter;
import dev.secateur.record.RunDirectory;
import dev.secateur.shrink.Shrinker;
import dev.secateur.shrink.SideBySide;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Exports a finished run's model: as a DL4J zip, as ONNX, as .npy weights and masks, or as a sparse file. */
public final class Exporter {

    /** The formats {@code bin/secateur export} writes. */
    public enum Format {
        DL4J, ONNX, NPY, SPARSE;

        public static Format parse(String text) {
            try {
                return valueOf(text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new BadInputException("unknown export format '" + text + "'; choose dl4j, onnx, npy or sparse");
            }
        }
    }

    /**
     * Writes the export into {@code out} and returns what it wrote, one line each, for the console.
     *
     * @param run a run directory with {@code model-final.zip}
     */
    public List<String> export(Path run, Format format, Path out) {
        Path model = run.resolve(RunDirectory.MODEL);
        if (!Files.isRegularFile(model)) {
            throw new BadInputException(run + " has no " + RunDirectory.MODEL + ": give the directory of a completed run"
                    + (Files.exists(run.resolve(RunDirectory.FAILED)) ? " (this run failed; see FAILED there)" : ""));
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out + ": " + e.getMessage(), e);
        }
        var lines = new ArrayList<String>();
        switch (format) {
            case DL4J -> {
                Path target = out.resolve("model.zip");
                var net = ModelFiles.load(model);
                var shrunk = new Shrinker().shrink(net);
                ModelFiles.save(shrunk.net(), target);
                lines.add("DL4J zip: " + target + (shrunk.net().numParams() < net.numParams()
                        ? " (dead filters and neurons physically removed)" : " (no whole unit was pruned; same shapes)"));
                shrunk.keptWhole().forEach(note -> lines.add("  " + note));
                lines.addAll(SideBySide.measure(net, shrunk.net()).lines());
            }
            case ONNX -> {
                // as for DL4J: a structured run's network is already the smaller one; masked weights are written as they are
                Path target = out.resolve("model.onnx");
                var net = ModelFiles.load(model);
                var shrunk = new Shrinker().shrink(net);
                var onnx = OnnxWriter.write(shrunk.net());
                long bytes = OnnxWriter.save(onnx, target);
                lines.add("ONNX model: " + target + " (" + OnnxWriter.describe(onnx) + ")");
                lines.add(String.format(Locale.ROOT, "parameters %,d%s; file %,d bytes", shrunk.net().numParams(),
                        shrunk.net().numParams() < net.numParams()
                                ? String.format(Locale.ROOT, " (%,d before dead filters and neurons were removed)", net.numParams()) : "",
                        bytes));
                shrunk.keptWhole().forEach(note -> lines.add("  " + note));
            }
            case NPY -> {
                var net = ModelFiles.load(model);
                Path weights = out.resolve("npy");
                createDirectories(weights);
                for (var param : net.paramTable().entrySet()) {
                    Path file = weights.resolve(param.getKey() + ".npy");
                    writeNpy(param.getValue(), file);
                }
                lines.add("weights: " + net.paramTable().size() + " arrays (float32) in " + weights);
                lastMasks(run).ifPresent(masks -> {
                    Path target = weights.resolve("masks");
                    createDirectories(target);
                    try (Stream<Path> files = Files.list(masks)) {
                        files.filter(f -> f.getFileName().toString().endsWith(".npy")).forEach(f -> copy(f, target.resolve(f.getFileName())));
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot read " + masks + ": " + e.getMessage(), e);
                    }
                    lines.add("masks of the last step (bool, True kept): " + target);
                });
            }
            case SPARSE -> {
                Path target = out.resolve("model.sparse");
                var report = SparseModelFile.write(ModelFiles.load(model), target);
                lines.add("sparse model: " + target);
                lines.add(String.format(Locale.ROOT, "dense float32 parameters %,d bytes; sparse file %,d bytes (model configuration %,d);"
                                + " compression %.2fx", report.denseBytes(), report.fileBytes(), report.configurationBytes(),
                        report.compression()));
                for (var e : report.entries()) {
                    lines.add(String.format(Locale.ROOT, "  %-6s %-18s %,9d nonzero  %-17s %,7d fillers  %,11d bytes", e.key(),
                            Arrays.toString(e.shape()), e.nonzero(), e.encoding(), e.fillers(), e.bytes()));
                }
            }
        }
        return lines;
    }

    /** The masks of the run's last step, if it pruned anything. */
    static Optional<Path> lastMasks(Path run) {
        Path masks = run.resolve(RunDirectory.MASKS);
        if (!Files.isDirectory(masks)) {
            return Optional.empty();
        }
        if (Files.isDirectory(masks.resolve(RunDirectory.SHRUNK_MASKS))) {
            return Optional.of(masks.resolve(RunDirectory.SHRUNK_MASKS));
        }
        try (Stream<Path> steps = Files.list(masks)) {
            return steps.filter(p -> p.getFileName().toString().matches("step-\\d+"))
                    .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString().substring(5))));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + masks + ": " + e.getMessage(), e);
        }
    }

    private static void writeNpy(INDArray value, Path file) {
        try {
            Nd4j.writeAsNumpy(value.dup('c'), file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }
}
