package dev.secateur.bench;

import dev.secateur.data.Dataset;
import dev.secateur.data.DatasetLoader;
import dev.secateur.errors.BadInputException;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.shrink.OnnxCensus;
import dev.secateur.shrink.OnnxRuntimeLatency;
import dev.secateur.shrink.OnnxRuntimeRunner;
import dev.secateur.spec.DataSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A dense ONNX model and its pruned version measured where users deploy them: onnxruntime with one thread,
 * side by side in alternating rounds at batch 1 and 256, next to each file's parameters and FLOPs, and, with
 * {@code --data}, each one's accuracy on the Fashion-MNIST test split.
 * {@code scripts/bench/run.sh onnx DENSE.onnx PRUNED.onnx [--rounds N] [--data DIR]}
 */
public final class OnnxBench {

    private static final String USAGE = "usage: scripts/bench/run.sh onnx DENSE.onnx PRUNED.onnx [--rounds N] [--data DIR]";

    /** One file: its bytes, its census and the input shape of one example. */
    private record Model(String role, Path file, byte[] bytes, OnnxCensus census, long[] exampleShape) {

        static Model read(String role, Path file) {
            try {
                byte[] bytes = Files.readAllBytes(file);
                var census = OnnxCensus.of(OnnxCensus.parse(bytes, file.toString()));
                try (var runner = OnnxRuntimeRunner.open(bytes)) {
                    return new Model(role, file, bytes, census, runner.exampleShape());
                }
            } catch (NoSuchFileException e) {
                throw new BadInputException(role + " model " + file + " does not exist");
            } catch (IOException e) {
                throw new BadInputException(role + " model " + file + " cannot be read: " + e.getMessage());
            } catch (BadInputException e) {
                throw e.getMessage().startsWith(file.toString()) ? e : new BadInputException(file + ": " + e.getMessage(), e);
            }
        }

        String describe() {
            var c = census;
            return String.format(Locale.ROOT, "%-6s %s: %,d parameters (%,d nonzero); %,d FLOPs per example (%,d with nonzero weights) in %s%s; "
                            + "input [N, %s]", role, file, c.params(), c.nonzeroParams(), c.flops(), c.effectiveFlops(), c.counted(),
                    c.uncounted().isEmpty() ? "" : ", leaving out " + c.uncounted() + " (weights not constant)",
                    String.join(", ", LongStream.of(exampleShape).mapToObj(Long::toString).toList()));
        }
    }

    private OnnxBench() {
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (BadInputException e) {
            System.err.println("onnx: " + e.getMessage().replaceAll("\\s*\\R\\s*", " "));
            System.exit(2);
        }
    }

    private static void run(String[] args) {
        Path densePath = null;
        Path prunedPath = null;
        int rounds = OnnxRuntimeLatency.DEFAULT_ROUNDS;
        Path data = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--rounds") && i + 1 < args.length) {
                rounds = positive(args[++i]);
            } else if (args[i].equals("--data") && i + 1 < args.length) {
                data = Path.of(args[++i]);
            } else if (args[i].startsWith("--") || prunedPath != null) {
                throw new BadInputException("unexpected argument '" + args[i] + "'; " + USAGE);
            } else if (densePath == null) {
                densePath = Path.of(args[i]);
            } else {
                prunedPath = Path.of(args[i]);
            }
        }
        if (prunedPath == null) {
            throw new BadInputException("two ONNX files are needed; " + USAGE);
        }
        var dense = Model.read("dense", densePath);
        var pruned = Model.read("pruned", prunedPath);
        if (!Arrays.equals(dense.exampleShape(), pruned.exampleShape())) {
            throw new BadInputException("the models take different inputs: dense " + Arrays.toString(dense.exampleShape()) + ", pruned "
                    + Arrays.toString(pruned.exampleShape()) + " per example; a pruned model keeps its dense model's input");
        }
        System.out.println(dense.describe());
        System.out.println(pruned.describe());
        System.out.printf(Locale.ROOT, "parameters cut x%.2f, FLOPs cut x%.2f (x%.2f with nonzero weights only), dense / pruned%n",
                ratio(dense.census().params(), pruned.census().params()), ratio(dense.census().flops(), pruned.census().flops()),
                ratio(dense.census().effectiveFlops(), pruned.census().effectiveFlops()));
        var report = OnnxRuntimeLatency.measure(dense.bytes(), pruned.bytes(), dense.exampleShape(), OnnxRuntimeLatency.BATCHES, rounds);
        report.lines().forEach(System.out::println);
        if (data != null) {
            accuracy(data, dense, pruned);
        }
    }

    /** Each model's accuracy on the test split, fed as Secateur feeds its own models: pixels x/255, reshaped to the model's input. */
    private static void accuracy(Path dir, Model dense, Model pruned) {
        Dataset test = new DatasetLoader().load(DataSpec.of(new DataSpec.Directory(dir, DataSpec.Family.FASHION_MNIST)), 1L).test();
        long[] example = dense.exampleShape();
        if (LongStream.of(example).reduce(1, Math::multiplyExact) != test.shape().size()) {
            System.out.println("accuracy: not measured; the models take " + Arrays.toString(example) + " per example, and the data's images are "
                    + test.shape().describe());
            return;
        }
        var line = new StringBuilder(String.format(Locale.ROOT, "accuracy on %s (%,d images, pixels x/255), in onnxruntime:",
                test.name(), test.size()));
        for (var model : new Model[]{dense, pruned}) {
            try (var runner = OnnxRuntimeRunner.open(model.bytes())) {
                UnaryOperator<INDArray> forward = rows -> runner.run(rows.reshape(
                        LongStream.concat(LongStream.of(rows.size(0)), LongStream.of(example)).toArray()));
                long[] scores = forward.apply(test.features().getRow(0, true)).shape();
                if (scores.length != 2 || scores[1] != test.classCount()) {
                    line.append(String.format(Locale.ROOT, " %s not measured (its output is %s per batch, not [N, %d] class scores)",
                            model.role(), Arrays.toString(scores), test.classCount()));
                    continue;
                }
                line.append(String.format(Locale.ROOT, " %s %.4f", model.role(), Evaluator.quality(forward, test).accuracy()));
            }
        }
        System.out.println(line);
    }

    private static int positive(String value) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new BadInputException("--rounds " + value + " is not a whole number of rounds, 1 or more; " + USAGE);
    }

    private static double ratio(long dense, long pruned) {
        return pruned == 0 ? Double.NaN : (double) dense / pruned;
    }
}
