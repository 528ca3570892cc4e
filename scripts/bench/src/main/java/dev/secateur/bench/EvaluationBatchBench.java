package dev.secateur.bench;

import dev.secateur.data.Dataset;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.model.Architecture;
import dev.secateur.model.Network;
import dev.secateur.model.onnx.OnnxImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code scripts/bench/run.sh evalbatch}: the evaluator's pass over the test split through DL4J in batches of 1,000, as
 * it ran before, and in the batches {@link Evaluator#evaluationBatch} sizes to memory, alternating, for each built-in
 * convolutional network (initialised, not trained: the time does not depend on the weights) and each PyTorch-trained
 * model of {@code scripts/interop/example}, the order flipped each round. Prints each round's images/s, the medians,
 * their ratio, and both accuracies, which must agree. Arguments: the number of rounds (default 3).
 */
public final class EvaluationBatchBench {

    private static final Path EXAMPLES = Path.of("scripts/interop/example");

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Dataset test = BenchData.full().test();
        Map<String, Supplier<Network>> models = new LinkedHashMap<>();
        for (String id : List.of("lenet-5", "vgg-small", "resnet-small")) {
            models.put(id, () -> Architecture.byId(id).network(1L, 1e-3, Architecture.Sizing.FASHION_MNIST));
        }
        for (String example : List.of("fashion-cnn", "fashion-resnet", "fashion-mobilenet")) {
            Path onnx = EXAMPLES.resolve(example + ".onnx");
            if (Files.isRegularFile(onnx)) {
                models.put(example, () -> OnnxImporter.load(onnx));
            }
        }
        System.out.printf(Locale.ROOT, "evalbatch: %d rounds over %,d test images, one thread (OMP_NUM_THREADS=%s); images/s, batch 1,000 then sized%n",
                rounds, test.size(), System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        for (var model : models.entrySet()) {
            Network net = model.getValue().get();
            int sized = Evaluator.evaluationBatch(net, test);
            Evaluator.quality(net, test.sample(Math.min(2000, test.size()), 4L), sized); // warm-up
            var fixed = new ArrayList<Double>();
            var bySize = new ArrayList<Double>();
            double fixedAccuracy = Double.NaN;
            double sizedAccuracy = Double.NaN;
            for (int round = 0; round < rounds; round++) {
                // the order flips each round: whichever ran second read faster at the same batch (resnet-small)
                for (boolean first : new boolean[]{true, false}) {
                    boolean atThousand = first == (round % 2 == 0);
                    long start = System.nanoTime();
                    double accuracy = Evaluator.quality(net, test, atThousand ? 1000 : sized).accuracy();
                    (atThousand ? fixed : bySize).add(test.size() / ((System.nanoTime() - start) / 1e9));
                    if (atThousand) {
                        fixedAccuracy = accuracy;
                    } else {
                        sizedAccuracy = accuracy;
                    }
                    Evaluator.releaseNativeMemory();
                }
            }
            double fixedMedian = median(fixed);
            double sizedMedian = median(bySize);
            System.out.printf(Locale.ROOT, "%-18s batch 1000 %7.0f images/s %s | batch %4d %7.0f images/s %s | x%.2f | accuracy %.4f and %.4f%n",
                    model.getKey(), fixedMedian, rounded(fixed), sized, sizedMedian, rounded(bySize), sizedMedian / fixedMedian,
                    fixedAccuracy, sizedAccuracy);
        }
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static String rounded(List<Double> values) {
        return Arrays.toString(values.stream().mapToLong(Math::round).toArray());
    }
}
