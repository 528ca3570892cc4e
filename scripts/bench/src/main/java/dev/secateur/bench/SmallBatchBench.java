package dev.secateur.bench;

import dev.secateur.evaluate.Evaluator;
import dev.secateur.evaluate.SmallBatchForward;
import dev.secateur.model.Architecture;
import dev.secateur.model.Network;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@code scripts/bench/run.sh smallbatch}: each built-in image network's forward pass through {@link SmallBatchForward}
 * and through DL4J's {@code output}, side by side at batch 1 to 32 on random inputs (no zeros to skip), and LeNet-300-100
 * at 256 and 1,000 too, median of passes after untimed ones, two rounds. Where the first stops winning is where {@code Evaluator.SMALL_BATCH} (and
 * {@code SMALL_CONVOLUTIONAL_BATCH}) sits. Arguments name the networks (all four by default).
 */
public final class SmallBatchBench {

    public static void main(String[] args) {
        var models = args.length > 0 ? List.of(args) : List.of("lenet-300-100", "lenet-5", "vgg-small", "resnet-small");
        for (int round = 1; round <= 2; round++) {
            for (String model : models) {
                var net = Architecture.byId(model).network(1L, 1e-3, Architecture.Sizing.FASHION_MNIST);
                try (var small = SmallBatchForward.of(net)) {
                    boolean perceptron = model.equals("lenet-300-100");
                    // a perceptron goes through the pass at any batch: up to the evaluator's 1,000 as well
                    for (int batch : perceptron ? new int[]{1, 2, 4, 8, 16, 32, 256, 1000} : new int[]{1, 2, 4, 8, 16, 32}) {
                        var x = Nd4j.rand(DataType.FLOAT, batch, 784);
                        int repeats = !perceptron ? 100 : batch >= 256 ? 50 : 500;
                        double java = Evaluator.medianMs(() -> small.output(x), repeats, repeats);
                        double dl4j = Evaluator.medianMs(() -> net.output(x), repeats, repeats);
                        System.out.printf(Locale.ROOT, "round %d, %-13s batch %4d: SmallBatchForward %.4f ms, DL4J output %.4f ms (x%.2f)%n",
                                round, model, batch, java, dl4j, dl4j / java);
                    }
                }
            }
            if (models.contains("lenet-5")) {
                prunedLenet5(round);
            }
        }
    }

    /**
     * LeNet-5 at batch 1 with each convolution's smallest weights set to zero, as unstructured pruning leaves them,
     * through the pass as it chooses (Java sums over the kept weights under {@code SPARSE_BELOW} kept, OpenBLAS above),
     * with every convolution in OpenBLAS, with every one in Java, and through DL4J's output.
     */
    private static void prunedLenet5(int round) {
        var x = Nd4j.rand(DataType.FLOAT, 1, 784);
        for (double kept : new double[]{1.0, 0.5, 0.3, 0.2, 0.1, 0.05}) {
            var net = Architecture.LENET_5.network(1L, 1e-3, Architecture.Sizing.FASHION_MNIST);
            for (String key : List.of("0_W", "2_W")) {
                INDArray w = net.getParam(key);
                double[] magnitudes = Transforms.abs(w).data().asDouble();
                Arrays.sort(magnitudes);
                double threshold = magnitudes[(int) Math.min(magnitudes.length - 1, (1 - kept) * magnitudes.length)];
                w.muli(Transforms.abs(w).gte(threshold).castTo(w.dataType()));
            }
            try (var chosen = SmallBatchForward.of(net); var blas = SmallBatchForward.of(net, 0); var java = SmallBatchForward.of(net, 2)) {
                double chosenMs = Evaluator.medianMs(() -> chosen.output(x), 300, 300);
                double blasMs = Evaluator.medianMs(() -> blas.output(x), 300, 300);
                double javaMs = Evaluator.medianMs(() -> java.output(x), 300, 300);
                double dl4j = Evaluator.medianMs(() -> net.output(x), 300, 300);
                System.out.printf(Locale.ROOT, "round %d, lenet-5 with %3.0f%% of its convolution weights, batch 1: SmallBatchForward %.4f ms "
                        + "(all OpenBLAS %.4f, all Java %.4f), DL4J output %.4f ms (x%.2f)%n", round, 100 * kept, chosenMs, blasMs, javaMs, dl4j,
                        dl4j / chosenMs);
            }
        }
    }
}
