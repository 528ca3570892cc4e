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
 * Labelled images held in memory: features as rows of {@code rows·cols} floats, prepared as the data block
 * declares (by default pixels scaled to [0, 1]), labels one-hot.
 *
 * @param features [n, rows·cols] float
 * @param labels   [n, classes] float, one-hot
 * @param classes  the label of each row, for counting
 */
public record Dataset(String name, int rows, int cols, INDArray features, INDArray labels, int[] classes) {

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
    }

    /** Builds a dataset from IDX images and labels, with pixels scaled to [0, 1]. */
    public static Dataset of(String name, IdxFile.Images images, byte[] labelBytes, int classCount) {
        return of(name, images, labelBytes, classCount, Preprocessing.DEFAULT);
    }

    /** Builds a dataset from IDX images (one channel) and labels, the pixels prepared by {@code preprocessing}. */
    public static Dataset of(String name, IdxFile.Images images, byte[] labelBytes, int classCount, Preprocessing preprocessing) {
        if (images.count() != labelBytes.length) {
            throw new BadInputException(name + ": " + images.count() + " images but "
                    + labelBytes.length + " labels; the image and label files do not belong together");
        }
        int n = images.count();
        int d = images.pixelsPerImage();
        float[] pixels = inputs(images.pixels(), 1, d, preprocessing, name);
        int[] classes = new int[n];
        float[] oneHot = new float[n * classCount];
        for (int i = 0; i < n; i++) {
            int c = labelBytes[i] & 0xff;
            if (c >= classCount) {
                throw new BadInputException(name + ": label " + c + " at example " + i
                        + " is not below the " + classCount + " classes; the label file is damaged");
            }
            classes[i] = c;
            oneHot[i * classCount + c] = 1f;
        }
        return new Dataset(name, images.rows(), images.cols(), Nd4j.create(pixels, new long[]{n, d}, 'c'),
                Nd4j.create(oneHot, new long[]{n, classCount}, 'c'), classes);
    }

    /**
     * Pixel values (0 to 255) as inputs, in one pass over a float array through a table of the 256 values per
     * channel. {@code raw} holds images one after another, each channel's {@code plane} pixels together (NCHW).
     */
    static float[] inputs(byte[] raw, int channels, int plane, Preprocessing preprocessing, String name) {
        try {
            preprocessing.requireChannels(channels, name + " images");
        } catch (IllegalArgumentException e) {
            throw new BadInputException("data: " + e.getMessage());
        }
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

    public int classCount() {
        return (int) labels.columns();
    }

    /** The examples at the given row indices, in that order. */
    public Dataset select(int[] rowsToKeep, String newName) {
        var f = Nd4j.pullRows(features, 1, rowsToKeep);
        var l = Nd4j.pullRows(labels, 1, rowsToKeep);
        int[] c = new int[rowsToKeep.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = classes[rowsToKeep[i]];
        }
        return new Dataset(newName, rows, cols, f, l, c);
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
