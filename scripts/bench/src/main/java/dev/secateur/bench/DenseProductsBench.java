package dev.secateur.bench;

import dev.secateur.model.NativeAddress;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code scripts/bench/run.sh denseproducts}: the eight matrix products of one LeNet-300-100 training batch (forward,
 * weight gradient, and the delta of every layer but the first), as {@code DenseTrainingLoop} made them before commit
 * 4c1753b ({@code Nd4j.gemm}, which libnd4j hands to oneDNN's matmul) and through OpenBLAS's {@code cblas_sgemm} with
 * the same layouts, alternating, each kind of product apart, at batch 32 to 1,000. Random values: the time does not
 * depend on them. Prints microseconds per batch for each round, the medians and their ratio. Arguments: the number of
 * rounds (default 5).
 */
public final class DenseProductsBench {

    private static final int[] WIDTHS = {784, 300, 100, 10};
    private static final int BATCHES_PER_ROUND = 300;

    /** Which of a layer's products a timing runs. */
    enum Product {
        FORWARD("the forward products (x · W, as training and evaluation make them)"),
        WEIGHT_GRADIENT("the weight gradients (below^T · delta)"),
        DELTA("the deltas of the layers below (delta · W^T)");

        final String title;

        Product(String title) {
            this.title = title;
        }
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.out.printf(Locale.ROOT, "denseproducts: LeNet-300-100's products, %d rounds of %d batches, one thread (OMP_NUM_THREADS=%s); microseconds per batch, the ratio Nd4j.gemm / cblas_sgemm%n",
                rounds, BATCHES_PER_ROUND, System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        for (Product product : Product.values()) {
            System.out.println(product.title + ":");
            for (int rows : new int[]{32, 64, 128, 256, 1000}) {
                var layers = Layers.random(rows);
                var nd4j = new ArrayList<Double>();
                var openblas = new ArrayList<Double>();
                layers.time(true, product, BATCHES_PER_ROUND / 3); // warm-up, both ways
                layers.time(false, product, BATCHES_PER_ROUND / 3);
                for (int round = 0; round < rounds; round++) {
                    boolean nd4jFirst = round % 2 == 0;
                    for (boolean first : new boolean[]{true, false}) {
                        boolean viaNd4j = first == nd4jFirst;
                        (viaNd4j ? nd4j : openblas).add(layers.time(viaNd4j, product, BATCHES_PER_ROUND));
                    }
                }
                double before = median(nd4j);
                double after = median(openblas);
                System.out.printf(Locale.ROOT, "  batch %4d  Nd4j.gemm %8.1f us %s | cblas_sgemm %8.1f us %s | x%.2f%n",
                        rows, before, rounded(nd4j), after, rounded(openblas), before / after);
            }
        }
    }

    /** A perceptron's weights as DL4J lays them out ({@code [inputs, outputs]}, column after column), and its batch's arrays. */
    private record Layers(int rows, INDArray x, INDArray[] weights, INDArray[] weightGradients, INDArray[] activations, INDArray[] deltas) {

        static Layers random(int rows) {
            Nd4j.getRandom().setSeed(1);
            int n = WIDTHS.length - 1;
            var weights = new INDArray[n];
            var gradients = new INDArray[n];
            var activations = new INDArray[n];
            var deltas = new INDArray[n];
            for (int i = 0; i < n; i++) {
                weights[i] = Nd4j.rand(DataType.FLOAT, WIDTHS[i], WIDTHS[i + 1]).subi(0.5).dup('f');
                gradients[i] = Nd4j.create(DataType.FLOAT, new long[]{WIDTHS[i], WIDTHS[i + 1]}, 'f');
                activations[i] = Nd4j.rand(DataType.FLOAT, rows, WIDTHS[i + 1]);
                deltas[i] = Nd4j.rand(DataType.FLOAT, rows, WIDTHS[i + 1]).subi(0.5);
            }
            return new Layers(rows, Nd4j.rand(DataType.FLOAT, rows, WIDTHS[0]), weights, gradients, activations, deltas);
        }

        /** Microseconds per batch over {@code batches} batches. */
        double time(boolean viaNd4j, Product product, int batches) {
            long start = System.nanoTime();
            for (int b = 0; b < batches; b++) {
                for (int i = 0; i < weights.length; i++) {
                    if (product != Product.DELTA || i > 0) { // the first layer's input needs no delta
                        if (viaNd4j) {
                            nd4j(product, i);
                        } else {
                            openblas(product, i);
                        }
                    }
                }
            }
            return (System.nanoTime() - start) / 1e3 / batches;
        }

        private void nd4j(Product product, int i) {
            INDArray below = i == 0 ? x : activations[i - 1];
            switch (product) {
                case FORWARD -> Nd4j.gemm(below, weights[i], activations[i], false, false, 1.0, 0.0);
                case WEIGHT_GRADIENT -> Nd4j.gemm(below, deltas[i], weightGradients[i], true, false, 1.0, 0.0);
                case DELTA -> Nd4j.gemm(deltas[i], weights[i], deltas[i - 1], false, true, 1.0, 0.0);
            }
        }

        private void openblas(Product product, int i) {
            int in = WIDTHS[i];
            int out = WIDTHS[i + 1];
            FloatPointer below = NativeAddress.firstElement(i == 0 ? x : activations[i - 1]);
            FloatPointer w = NativeAddress.firstElement(weights[i]);
            FloatPointer delta = NativeAddress.firstElement(deltas[i]);
            switch (product) {
                case FORWARD -> openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, openblas_nolapack.CblasTrans,
                        rows, out, in, 1f, below, in, w, in, 0f, NativeAddress.firstElement(activations[i]), out);
                case WEIGHT_GRADIENT -> openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasTrans, openblas_nolapack.CblasNoTrans,
                        out, in, rows, 1f, delta, out, below, in, 0f, NativeAddress.firstElement(weightGradients[i]), in);
                case DELTA -> openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, openblas_nolapack.CblasNoTrans,
                        rows, in, out, 1f, delta, out, w, in, 0f, NativeAddress.firstElement(deltas[i - 1]), in);
            }
            Reference.reachabilityFence(this); // the arrays behind the pointers
        }
    }

    private static double median(List<Double> values) {
        var sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String rounded(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList().toString();
    }
}
