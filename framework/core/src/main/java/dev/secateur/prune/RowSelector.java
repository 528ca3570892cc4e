package dev.secateur.prune;

import dev.secateur.model.UnitReduction;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.PrunableParam;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.LayerKind;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Chooses weights within each output row (the weights into one neuron or filter): either the same
 * fraction of every row, or N of every M consecutive weights along the input dimension. Rows are read
 * in input order: for a dense layer [nIn, nOut] that is down a column; for a convolution
 * [nOut, nIn, kH, kW] it is input channel fastest at each kernel position, so N:M groups span channels,
 * the layout of NVIDIA's ASP. Within a row or group, weights already pruned go first, then the lowest
 * scores, ties to the lower position, so the choice is exact and deterministic.
 */
final class RowSelector {

    private RowSelector() {
    }

    /** Refuses an N:M pattern that does not tile a parameter's input dimension. */
    static void checkTiles(PrunableParam param, Granularity.SemiStructured nm) {
        long inputs = param.kind() == LayerKind.CONVOLUTION ? param.shape()[1] : param.shape()[0];
        if (inputs % nm.m() != 0) {
            throw new BadInputException(nm.n() + ":" + nm.m() + " groups run along the " + inputs + " inputs"
                    + (param.kind() == LayerKind.CONVOLUTION ? " channels" : "") + " of " + param.weights()
                    + ", which is not a multiple of " + nm.m() + "; exclude " + param.weights() + " from the scope");
        }
    }

    /**
     * The new mask of one parameter.
     *
     * @param prunedPerRow the weights to prune in each row for a per-output granularity; ignored for N:M
     */
    static INDArray mask(PrunableParam param, INDArray scores, INDArray current, Granularity granularity, long prunedPerRow) {
        float[] s = UnitReduction.contiguousFloats(scores).reshape(scores.length()).toFloatVector();
        float[] keep = current == null ? filled(s.length) : UnitReduction.contiguousFloats(current).reshape(current.length()).toFloatVector();
        var layout = Layout.of(param);
        int[] order = new int[layout.rowLength];
        Integer[] boxed = new Integer[layout.rowLength];
        for (int row = 0; row < layout.rows; row++) {
            for (int k = 0; k < layout.rowLength; k++) {
                order[k] = layout.flat(row, k);
            }
            if (granularity instanceof Granularity.SemiStructured nm) {
                for (int g = 0; g < layout.rowLength; g += nm.m()) {
                    pruneLowest(s, keep, order, g, nm.m(), nm.m() - nm.n(), boxed);
                }
            } else {
                pruneLowest(s, keep, order, 0, layout.rowLength, prunedPerRow, boxed);
            }
        }
        return Nd4j.create(keep, param.shape(), 'c');
    }

    /** Prunes at least {@code count} of {@code order[from, from+length)}, keeping what is already pruned pruned. */
    private static void pruneLowest(float[] scores, float[] keep, int[] order, int from, int length, long count, Integer[] scratch) {
        for (int i = 0; i < length; i++) {
            scratch[i] = order[from + i];
        }
        Arrays.sort(scratch, 0, length, (a, b) -> {
            int pruned = Boolean.compare(keep[b] == 0f, keep[a] == 0f);
            if (pruned != 0) {
                return pruned;
            }
            int byScore = Float.compare(scores[a], scores[b]);
            return byScore != 0 ? byScore : Integer.compare(a, b);
        });
        for (int i = 0; i < length; i++) {
            if (i < count) {
                keep[scratch[i]] = 0f;
            }
        }
    }

    private static float[] filled(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }

    /** How (row, position) maps to a C-order flat index of the weights. */
    record Layout(LayerKind kind, int rows, int rowLength, int inputs, int kernel) {
        static Layout of(PrunableParam param) {
            long[] shape = param.shape();
            if (param.kind() == LayerKind.CONVOLUTION) {
                int kernel = (int) (shape[2] * shape[3]);
                return new Layout(param.kind(), (int) shape[0], (int) shape[1] * kernel, (int) shape[1], kernel);
            }
            return new Layout(param.kind(), (int) shape[1], (int) shape[0], (int) shape[0], 1);
        }

        int flat(int row, int k) {
            if (kind != LayerKind.CONVOLUTION) {
                return k * rows + row;
            }
            int position = k / inputs;
            int channel = k % inputs;
            return row * rowLength + channel * kernel + position;
        }
    }
}
