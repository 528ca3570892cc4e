package dev.secateur.data;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.Preprocessing;
import java.util.List;
import java.util.Objects;

/**
 * Examples as a file holds them, before any preprocessing: values example after example (an image channel after
 * channel), either 8-bit or any other number, and class indices.
 *
 * @param name  the file and split, for messages: "x.npy (train)"
 * @param bytes the values when the file stores 8-bit values; null otherwise
 * @param floats the values otherwise; null when {@code bytes} holds them
 */
record RawExamples(String name, InputShape shape, byte[] bytes, float[] floats, int[] labels, long[] lines) {

    /** Examples that are not rows of a text file. */
    RawExamples(String name, InputShape shape, byte[] bytes, float[] floats, int[] labels) {
        this(name, shape, bytes, floats, labels, null);
    }

    RawExamples {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(labels, "labels");
        if ((bytes == null) == (floats == null)) {
            throw new IllegalArgumentException("examples are bytes or floats");
        }
        long values = bytes != null ? bytes.length : floats.length;
        if (values != (long) labels.length * shape.size()) {
            throw new BadInputException(name + ": " + values / shape.size() + " examples of " + shape.describe() + " but "
                    + labels.length + " labels; the inputs and the labels must have one row per example, in the same order");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new BadInputException(name + ": label " + labels[i] + " at " + place(i, lines) + " is negative; labels are "
                        + "class indices 0, 1, 2, …, so map the classes to those first");
            }
        }
    }

    /** IDX images and their label bytes. */
    static RawExamples ofIdx(String name, IdxFile.Images images, byte[] labelBytes) {
        if (images.count() != labelBytes.length) {
            throw new BadInputException(name + ": " + images.count() + " images but "
                    + labelBytes.length + " labels; the image and label files do not belong together");
        }
        int[] labels = new int[labelBytes.length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = labelBytes[i] & 0xff;
        }
        return new RawExamples(name, images.shape(), images.pixels(), null, labels);
    }

    /** Refuses a label at or above the class count, naming where it is. */
    void requireBelow(int classes) {
        requireClassIndices(name, labels, lines, classes);
    }

    /**
     * Refuses a label that is not a class index below {@code classes}, naming the example, or its line in a text file
     * ({@code lines} null otherwise).
     */
    static void requireClassIndices(String name, int[] labels, long[] lines, int classes) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new BadInputException(name + ": label " + labels[i] + " at " + place(i, lines) + " is not one of the "
                        + classes + " classes (0 to " + (classes - 1) + "); labels must be class indices, so fix the labels"
                        + " or declare the number of classes with classes: n");
            }
        }
    }

    /** "line 12" in a text file, "example 7" (counted from 0, as NumPy indexes) otherwise. */
    private static String place(int example, long[] lines) {
        return lines != null ? "line " + lines[example] : "example " + example;
    }

    int count() {
        return labels.length;
    }

    int largestLabel() {
        int max = -1;
        for (int label : labels) {
            max = Math.max(max, label);
        }
        return max;
    }

    /** Through the declared preprocessing, with labels one-hot over {@code classes}. */
    Dataset prepare(int classes, Preprocessing preprocessing) {
        return bytes != null ? Dataset.ofBytes(name, shape, bytes, labels, classes, preprocessing)
                : Dataset.ofFloats(name, shape, floats, labels, classes, preprocessing);
    }

    /**
     * What a source read: its splits (the test split null when the source has none, for {@code testFraction} to
     * make), its files and, where it names them, its classes.
     *
     * @param knownClasses the classes the format defines (10 for CIFAR-10 and MNIST), 0 to count them from the labels
     * @param sha256       the digest of what was read, null for the digest of the files' digests
     */
    record Read(RawExamples train, RawExamples test, String origin, List<String> classNames, int knownClasses,
                List<DataFile> files, String sha256) {
        Read {
            classNames = List.copyOf(classNames);
            files = List.copyOf(files);
        }

        String digest() {
            return sha256 != null ? sha256 : DataFile.combined(files);
        }
    }
}
