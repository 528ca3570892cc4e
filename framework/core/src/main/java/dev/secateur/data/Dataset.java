package dev.secateur.data;

import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Labelled images held in memory: features scaled to [0, 1] as rows of {@code rows·cols} floats, labels
 * one-hot.
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
                || features.dataType() != org.nd4j.linalg.api.buffer.DataType.FLOAT
                || labels.dataType() != org.nd4j.linalg.api.buffer.DataType.FLOAT) {
            throw new IllegalArgumentException("dataset arrays must be contiguous row-major floats");
        }
        if (features.rows() != classes.length || labels.rows() != classes.length) {
            throw new IllegalArgumentException("features, labels and classes disagree on the example count");
        }
    }

    /** Builds a dataset from IDX images and labels. */
    public static Dataset of(String name, IdxFile.Images images, byte[] labelBytes, int classCount) {
        if (images.count() != labelBytes.length) {
            throw new dev.secateur.errors.BadInputException(name + ": " + images.count() + " images but "
                    + labelBytes.length + " labels; the image and label files do not belong together");
        }
        int n = images.count();
        int d = images.pixelsPerImage();
        float[] pixels = new float[n * d];
        byte[] raw = images.pixels();
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (raw[i] & 0xff) / 255f;
        }
        int[] classes = new int[n];
        float[] oneHot = new float[n * classCount];
        for (int i = 0; i < n; i++) {
            int c = labelBytes[i] & 0xff;
            if (c >= classCount) {
                throw new dev.secateur.errors.BadInputException(name + ": label " + c + " at example " + i
                        + " is not below the " + classCount + " classes; the label file is damaged");
            }
            classes[i] = c;
            oneHot[i * classCount + c] = 1f;
        }
        return new Dataset(name, images.rows(), images.cols(), Nd4j.create(pixels, new long[]{n, d}, 'c'),
                Nd4j.create(oneHot, new long[]{n, classCount}, 'c'), classes);
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
        return select(java.util.Arrays.copyOf(order, n), name + "[sample " + n + ", seed " + seed + "]");
    }

    /** The first {@code n} examples as one DL4J DataSet (views, no copy). */
    public DataSet head(int n) {
        int k = Math.min(n, size());
        return new DataSet(features.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, k)),
                labels.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, k)));
    }

    /** A Fisher-Yates permutation of 0..n-1 from a seed (the one plugins use too). */
    public static int[] permutation(int n, long seed) {
        return dev.secateur.spi.Permutations.of(n, seed);
    }
}
