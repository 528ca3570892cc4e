package dev.secateur.evaluate;

import dev.secateur.data.NpyFile;
import dev.secateur.errors.BadInputException;
import dev.secateur.model.Network;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A model's predictions for inputs a user hands over, in batches, each timed: what {@code bin/secateur predict} does.
 * A multilayer perceptron's batches of any size go through {@link SmallBatchForward}, as do a few examples of other
 * networks it can run ({@link SmallBatchForward#worthFor}), as their latency is measured; the rest through DL4J's
 * {@code output}, with batch normalisations folded as the evaluator folds them ({@link BatchNormFolding#forInference}).
 */
public final class Predictor {

    private Predictor() {
    }

    /**
     * What a model predicted.
     *
     * @param probabilities one row per input, one column per class
     * @param batchMs       each batch's wall time in ms
     * @param path          which forward pass answered: {@code SmallBatchForward}, {@code DL4J output}, or DL4J's on a
     *                      copy with its batch normalisations folded into their convolutions ({@link BatchNormFolding})
     */
    public record Predictions(INDArray probabilities, double[] batchMs, String path) {

        /** The most probable class of each input. */
        public long[] classes() {
            return probabilities.argMax(1).toLongVector();
        }

        public String summary(int batch) {
            return String.format(Locale.ROOT, "predicted %,d example(s) in %d batch(es) of at most %d through %s: median %.3f ms a batch",
                    probabilities.size(0), batchMs.length, batch, path, Evaluator.median(batchMs));
        }
    }

    /** The predictions of {@code net} for the rows of {@code inputs}, {@code batch} rows at a time. */
    public static Predictions predict(Network net, INDArray inputs, int batch) {
        if (batch < 1) {
            throw new BadInputException("--batch " + batch + " must be at least 1");
        }
        long n = inputs.size(0);
        var small = Evaluator.smallBatchPass(net, batch);
        Network answering = small != null ? null : BatchNormFolding.forInference(net);
        var rows = new INDArray[(int) ((n + batch - 1) / batch)];
        double[] ms = new double[rows.length];
        try {
            for (int b = 0; b < rows.length; b++) {
                INDArray x = inputs.get(NDArrayIndex.interval((long) b * batch, Math.min(n, (long) (b + 1) * batch)), NDArrayIndex.all()).dup('c');
                long start = System.nanoTime();
                rows[b] = small != null ? small.output(x) : answering.output(x);
                ms[b] = (System.nanoTime() - start) / 1e6;
            }
        } finally {
            if (small != null) {
                small.close();
            }
        }
        String path = small != null ? "SmallBatchForward" : answering != net ? "DL4J output, batch normalisation folded" : "DL4J output";
        return new Predictions(Nd4j.vstack(rows).castTo(DataType.FLOAT), ms, path);
    }

    /**
     * Inputs from a .npy file, one example per row of the first axis, as the model sees them: float32 or float64, with
     * the features of one example (in any shape) adding up to the model's input size. Integer arrays are refused, since
     * pixels stored as bytes must first be scaled as the training data were.
     */
    public static INDArray inputs(Path file, Network net) {
        var array = NpyFile.read(file);
        int expected = net.inputSize();
        if (array.floats() == null) {
            throw new BadInputException(file + " holds " + array.dtype() + " values; predict reads inputs as the model sees them, "
                    + "float32 or float64: scale them as the training data were (Fashion-MNIST's pixels: x / 255) and save as float32");
        }
        int[] shape = array.shape();
        long perExample = shape.length == 0 ? 0 : array.count() / Math.max(1, shape[0]);
        if (shape.length < 2 || shape[0] == 0 || perExample != expected) {
            long[] example = net.inputShape();
            String shapes = example.length > 1 ? "[N, " + expected + "] or [N, " + Arrays.toString(example).replaceAll("[\\[\\]]", "") + "]"
                    : "[N, " + expected + "]";
            throw new BadInputException(file + " has shape " + Arrays.toString(shape) + "; the model takes examples of "
                    + expected + " value(s) (" + Arrays.toString(example) + "), so give an array of shape " + shapes + " with N at least 1");
        }
        return Nd4j.create(array.floats(), new long[]{shape[0], expected}, 'c').castTo(DataType.FLOAT);
    }
}
