package dev.secateur.data;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.Preprocessing;
import dev.secateur.spi.Permutations;
import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Labelled examples held in memory: features as flat rows (an image channel after channel), prepared as the data
 * block declares (by default pixels scaled to [0, 1]), labels one-hot.
 *
 * @param shape    one example's shape: {@code [C, H, W]} or {@code [F]}
 * @param features [n, shape.size()] float
 * @param labels   [n, classes] float, one-hot; for text ({@link InputShape.Tokens}), [n, context], each sequence's next
 *                 token ids
 * @param classes  the label of each row, for counting; for text, the token that follows each sequence
 */
public record Dataset(String name, InputShape shape, INDArray features, INDArray labels, int[] classes) {

    public Dataset {
        Objects.requireNonNull(features, "features");
        // rows are copied straight out of the buffers (MinibatchIterator), so they must be row-major floats
        if (features.ordering() != 'c' || labels.ordering() != 'c' || features.isView() || labels.isView()
                || features.dataType() != DataType.FLOAT
                || labels.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("dataset arrays must be contiguous row-major floats");
        }
        if (features.rows() != classes.length || labels.rows() != classes.length) {
            throw new IllegalArgumentException("features, labels and classes disagree on the example count");
        }
        if (features.columns() != shape.size()) {
            throw new IllegalArgumentException("rows of " + features.columns() + " values are not examples of " + shape.describe());
        }
    }

    /** Builds a dataset from IDX images and labels, with pixels scaled to [0, 1]. */
    public static Dataset of(String name, IdxFile.Images images, byte[] labelBytes, int classCount) {
        return of(name, images, labelBytes, classCount, Preprocessing.DEFAULT);
    }

    /** Builds a dataset from IDX images (one channel) and labels, the pixels prepared by {@code preprocessing}. */
    public static Dataset of(String name, IdxFile.Images images, byte[] labelBytes, int classCount, Preprocessing preprocessing) {
        return RawExamples.ofIdx(name, images, labelBytes).prepare(classCount, preprocessing);
    }

    /**
     * Examples stored as 8-bit values, one after another (an image channel after channel), with their class
     * indices, the values prepared by {@code preprocessing} (its automatic scale is 1/255).
     */
    public static Dataset ofBytes(String name, InputShape shape, byte[] values, int[] labels, int classCount,
                                  Preprocessing preprocessing) {
        int n = count(name, shape, values.length, labels);
        var prepared = preprocessing.resolve(true);
        float[] inputs = inputs(values, shape.channels(), shape instanceof InputShape.Image ? planeOf(shape) : 1, prepared, name);
        return labelled(name, shape, inputs, n, labels, classCount);
    }

    /** Examples stored as numbers of any kind, prepared by {@code preprocessing} (its automatic scale is 1). */
    public static Dataset ofFloats(String name, InputShape shape, float[] values, int[] labels, int classCount,
                                   Preprocessing preprocessing) {
        int n = count(name, shape, values.length, labels);
        var prepared = preprocessing.resolve(false);
        requireChannels(prepared, shape.channels(), shape instanceof InputShape.Image ? name + " images" : name + " columns");
        int channels = shape.channels();
        int plane = shape instanceof InputShape.Image ? planeOf(shape) : 1;
        boolean identity = prepared.scale() == 1.0 && prepared.mean().isEmpty();
        float[] inputs = identity ? values : new float[values.length];
        if (!identity) {
            for (int i = 0; i < values.length; i++) {
                inputs[i] = prepared.apply((double) values[i], (i / plane) % channels);
            }
        }
        return labelled(name, shape, inputs, n, labels, classCount);
    }

    private static int planeOf(InputShape shape) {
        var image = (InputShape.Image) shape;
        return image.height() * image.width();
    }

    private static int count(String name, InputShape shape, int values, int[] labels) {
        if (values % shape.size() != 0) {
            throw new IllegalArgumentException(name + ": " + values + " values are not whole examples of " + shape.describe());
        }
        int n = values / shape.size();
        if (n != labels.length) {
            throw new BadInputException(name + ": " + n + " examples but " + labels.length
                    + " labels; the inputs and labels do not belong together");
        }
        return n;
    }

    private static Dataset labelled(String name, InputShape shape, float[] inputs, int n, int[] labels, int classCount) {
        RawExamples.requireClassIndices(name, labels, null, classCount);
        int[] classes = labels.clone();
        float[] oneHot = new float[Math.multiplyExact(n, classCount)];
        for (int i = 0; i < n; i++) {
            oneHot[i * classCount + classes[i]] = 1f;
        }
        return new Dataset(name, shape, Nd4j.create(inputs, new long[]{n, shape.size()}, 'c'),
                Nd4j.create(oneHot, new long[]{n, classCount}, 'c'), classes);
    }

    private static void requireChannels(Preprocessing preprocessing, int channels, String name) {
        try {
            preprocessing.requireChannels(channels, name);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("data: " + e.getMessage());
        }
    }

    /**
     * Pixel values (0 to 255) as inputs, in one pass over a float array through a table of the 256 values per
     * channel. {@code raw} holds images one after another, each channel's {@code plane} pixels together (NCHW).
     */
    static float[] inputs(byte[] raw, int channels, int plane, Preprocessing preprocessing, String name) {
        requireChannels(preprocessing, channels, name + " images");
        float[][] tables = new float[channels][256];
        for (int c = 0; c < channels; c++) {
            for (int v = 0; v < 256; v++) {
                tables[c][v] = preprocessing.apply(v, c);
            }
        }
        float[] out = new float[raw.length];
        for (int start = 0, channel = 0; start < raw.length; start += plane, channel = (channel + 1) % channels) {
            float[] table = tables[channel];
            for (int i = start, end = Math.min(start + plane, raw.length); i < end; i++) {
                out[i] = table[raw[i] & 0xff];
            }
        }
        return out;
    }

    public int size() {
        return classes.length;
    }

    /** The classes, or for text the vocabulary: how many outputs a network for this data has. */
    public int classCount() {
        return shape instanceof InputShape.Tokens tokens ? tokens.vocabulary() : (int) labels.columns();
    }

    /**
     * Text as sequences for a language model: window k reads {@code context} bytes from {@code starts[k]} and its
     * labels are the same bytes one position on. Windows must not share bytes with each other.
     */
    public static Dataset ofText(String name, byte[] text, int[] starts, int context) {
        int n = starts.length;
        float[] inputs = new float[Math.multiplyExact(n, context)];
        float[] next = new float[inputs.length];
        int[] last = new int[n];
        for (int k = 0; k < n; k++) {
            for (int t = 0; t < context; t++) {
                inputs[k * context + t] = text[starts[k] + t] & 0xff;
                next[k * context + t] = text[starts[k] + t + 1] & 0xff;
            }
            last[k] = text[starts[k] + context] & 0xff;
        }
        return new Dataset(name, InputShape.tokens(context, 256), Nd4j.create(inputs, new long[]{n, context}, 'c'),
                Nd4j.create(next, new long[]{n, context}, 'c'), last);
    }

    /** The examples at the given row indices, in that order. */
    public Dataset select(int[] rowsToKeep, String newName) {
        var f = Nd4j.pullRows(features, 1, rowsToKeep);
        var l = Nd4j.pullRows(labels, 1, rowsToKeep);
        int[] c = new int[rowsToKeep.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = classes[rowsToKeep[i]];
        }
        return new Dataset(newName, shape, f, l, c);
    }

    /** A seeded random subset of {@code n} examples without replacement, such as a calibration set. */
    public Dataset sample(int n, long seed) {
        if (n < 1 || n > size()) {
            throw new IllegalArgumentException("cannot draw " + n + " examples from " + name + ", which has " + size());
        }
        int[] order = permutation(size(), seed);
        return select(Arrays.copyOf(order, n), name + "[sample " + n + ", seed " + seed + "]");
    }

    /** The first {@code n} examples as one DL4J DataSet (views, no copy). */
    public DataSet head(int n) {
        int k = Math.min(n, size());
        return new DataSet(features.get(NDArrayIndex.interval(0, k)),
                labels.get(NDArrayIndex.interval(0, k)));
    }

    /** A Fisher-Yates permutation of 0..n-1 from a seed (the one plugins use too). */
    public static int[] permutation(int n, long seed) {
        return Permutations.of(n, seed);
    }
}
