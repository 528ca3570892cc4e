package dev.secateur.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Which examples to train, calibrate and evaluate on.
 *
 * @param source       where the files are, and in which format
 * @param trainLimit   use at most this many training examples (a seeded random subset); 0 for all
 * @param testLimit    use at most this many test examples (a seeded random subset); 0 for all
 * @param validation   hold out this many training examples, the same ones for every seed, and evaluate on them
 *                     instead of the test split, so settings can be chosen without reading the test set; 0 to
 *                     evaluate on the test split
 * @param preprocessing how stored values become inputs: a scale, and per channel a mean and std
 * @param testFraction for a source without a test file: the fraction of its examples held out as the test split,
 *                     the same ones for every seed; 0 when the source has a test split of its own
 * @param classes      how many classes the labels index; 0 to count them from the labels (the largest plus one)
 * @param standardize  subtract the training split's mean and divide by its std, per channel or column
 */
public record DataSpec(Source source, int trainLimit, int testLimit, int validation, Preprocessing preprocessing,
                       double testFraction, int classes, boolean standardize) {

    /** Where Debian's dataset-fashion-mnist package puts the IDX files. */
    public static final Path INSTALLED_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    /** More classes than this, counted from the labels, is a column of values rather than of classes. */
    public static final int MAX_COUNTED_CLASSES = 1000;

    public DataSpec {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(preprocessing, "preprocessing");
        if (trainLimit < 0 || testLimit < 0) {
            throw new IllegalArgumentException("train and test limits must be 0 (all) or more, got "
                    + trainLimit + " and " + testLimit);
        }
        if (validation < 0) {
            throw new IllegalArgumentException("validation = " + validation + " must be 0 (evaluate on the test split) or a "
                    + "number of training examples to hold out, such as 10000");
        }
        if (!(testFraction >= 0 && testFraction < 1)) {
            throw new IllegalArgumentException("testFraction = " + testFraction + " must be at least 0 and below 1, such as 0.2 "
                    + "to hold out a fifth of the examples as the test split");
        }
        if (classes < 0) {
            throw new IllegalArgumentException("classes = " + classes + " must be 0 (count them from the labels) or more");
        }
        if (standardize && !preprocessing.mean().isEmpty()) {
            throw new IllegalArgumentException("standardize: true computes the mean and std from the training split; "
                    + "give either standardize or mean and std, not both");
        }
        if (source instanceof Auto || source instanceof Embedded
                || source instanceof Directory dir && dir.family() == Family.FASHION_MNIST) {
            preprocessing.requireChannels(1, Family.FASHION_MNIST.id() + " images"); // other shapes are known once read
        }
    }

    /** Pixels scaled to [0, 1], as every run before preprocessing could be declared. */
    public DataSpec(Source source, int trainLimit, int testLimit, int validation, Preprocessing preprocessing) {
        this(source, trainLimit, testLimit, validation, preprocessing, 0, 0, false);
    }

    /** Pixels scaled to [0, 1], as every run before preprocessing could be declared. */
    public DataSpec(Source source, int trainLimit, int testLimit, int validation) {
        this(source, trainLimit, testLimit, validation, Preprocessing.DEFAULT);
    }

    /** Evaluating on the test split. */
    public DataSpec(Source source, int trainLimit, int testLimit) {
        this(source, trainLimit, testLimit, 0);
    }

    public static DataSpec of(Source source) {
        return new DataSpec(source, 0, 0);
    }

    /** The same examples, prepared another way: {@code Dsl.fashionMnist().with(Preprocessing.normalized(...))}. */
    public DataSpec with(Preprocessing preprocessing) {
        return new DataSpec(source, trainLimit, testLimit, validation, preprocessing, testFraction, classes, standardize);
    }

    /**
     * The same files read in full and prepared as little as the loader allows, as a sweep and a worker read them for
     * their digest: one read per source, whatever the preprocessing, limits or validation of the experiments.
     */
    public DataSpec wholeSource() {
        return new DataSpec(source, 0, 0, 0, Preprocessing.AUTOMATIC, testFraction, classes, false);
    }

    /** The same files and preprocessing, somewhere else: the paths made absolute. */
    public DataSpec withSource(Source source) {
        return new DataSpec(source, trainLimit, testLimit, validation, preprocessing, testFraction, classes, standardize);
    }

    /** The dataset family of IDX files, which names the classes. */
    public enum Family {
        FASHION_MNIST("fashion-mnist"),
        /** MNIST, or any IDX files: of any shape, and with more than ten classes if the labels say so. */
        MNIST("mnist");

        private final String id;

        Family(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

    }

    /** How an image array lays out its values: channels first (PyTorch) or last (Keras, TensorFlow). */
    public enum Layout {
        NCHW, NHWC;

        public static Layout of(String word) {
            for (var layout : values()) {
                if (layout.name().equalsIgnoreCase(word)) {
                    return layout;
                }
            }
            throw new IllegalArgumentException("layout: '" + word + "' must be 'nchw' (channels first, as PyTorch writes "
                    + "images) or 'nhwc' (channels last, as Keras and TensorFlow do)");
        }
    }

    /** Where the examples are, and in which format. */
    public sealed interface Source permits Auto, Embedded, Directory, Npy, Npz, Csv, ImageFolder, Cifar10, Text {

        /** The files or directories this source reads, for a worker to check against its allowed directories. */
        default List<Path> paths() {
            return List.of();
        }
    }

    private static void requireBothOrNeither(Object testX, Object testY) {
        if ((testX == null) != (testY == null)) {
            throw new IllegalArgumentException("testX and testY come together: give both, or neither and a testFraction");
        }
    }

    /** The installed Fashion-MNIST if the Debian package is there, the embedded subset otherwise. */
    public record Auto() implements Source {
    }

    /** The Fashion-MNIST subset shipped inside Secateur. */
    public record Embedded() implements Source {
    }

    /** A directory holding train- and t10k- images and labels, gzipped or raw. */
    public record Directory(Path path, Family family) implements Source {
        public Directory {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(family, "family");
        }

        @Override
        public List<Path> paths() {
            return List.of(path);
        }
    }

    /**
     * NumPy arrays in {@code .npy} files: inputs {@code [N, ...]} and integer labels {@code [N]}.
     *
     * @param testX null when the test split is held out of x by {@code testFraction}
     */
    public record Npy(Path x, Path y, Path testX, Path testY, Layout layout) implements Source {
        public Npy {
            Objects.requireNonNull(x, "x");
            Objects.requireNonNull(y, "y");
            Objects.requireNonNull(layout, "layout");
            requireBothOrNeither(testX, testY);
        }

        @Override
        public List<Path> paths() {
            return testX == null ? List.of(x, y) : List.of(x, y, testX, testY);
        }
    }

    /** Named arrays in one {@code .npz} archive; the test names are null when {@code testFraction} holds the test split out. */
    public record Npz(Path file, String x, String y, String testX, String testY, Layout layout) implements Source {
        public Npz {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(x, "x");
            Objects.requireNonNull(y, "y");
            Objects.requireNonNull(layout, "layout");
            requireBothOrNeither(testX, testY);
        }

        @Override
        public List<Path> paths() {
            return List.of(file);
        }
    }

    /**
     * A CSV table with a header row: numeric feature columns and one label column, integers or class names.
     *
     * @param test null when the test split is held out by {@code testFraction}
     */
    public record Csv(Path file, String label, Path test) implements Source {
        public Csv {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(label, "label");
        }

        @Override
        public List<Path> paths() {
            return test == null ? List.of(file) : List.of(file, test);
        }
    }

    /**
     * Images in folders named by class: {@code dir/train/<class>/*} and {@code dir/test/<class>/*}, or {@code dir/<class>/*}
     * with a {@code testFraction}.
     *
     * @param height   resize to this height; 0 to keep the images' own size
     * @param width    resize to this width; 0 to keep the images' own size
     * @param channels 1 (grey) or 3 (RGB); 0 to take the first image's
     */
    public record ImageFolder(Path dir, int height, int width, int channels) implements Source {
        public ImageFolder {
            Objects.requireNonNull(dir, "dir");
            if (height < 0 || width < 0 || (height == 0) != (width == 0)) {
                throw new IllegalArgumentException("size: [" + height + ", " + width + "] must be two positive numbers, [H, W]");
            }
            if (channels != 0 && channels != 1 && channels != 3) {
                throw new IllegalArgumentException("channels: " + channels + " must be 1 (grey) or 3 (RGB)");
            }
        }

        @Override
        public List<Path> paths() {
            return List.of(dir);
        }
    }

    /**
     * UTF-8 text read as bytes, for a language model: a file, or every file under a directory whose name matches
     * {@code include} (a glob, such as {@code *.rst}), in path order. It is cut into sequences of {@code context} bytes
     * that share no bytes, and whole blocks of them are held out as the test split by {@code testFraction}.
     */
    public record Text(Path path, int context, String include) implements Source {

        /** Sequences a block holds: the test split takes whole blocks, so its text is contiguous. */
        public static final int BLOCK = 16;

        public Text {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(include, "include");
            if (context < 2 || context > 8192) {
                throw new IllegalArgumentException("context: " + context + " must be from 2 to 8192 tokens, such as context: 128");
            }
        }

        @Override
        public List<Path> paths() {
            return List.of(path);
        }
    }

    /** The binary version of CIFAR-10: {@code data_batch_1.bin} to {@code data_batch_5.bin} and {@code test_batch.bin}. */
    public record Cifar10(Path dir) implements Source {
        public Cifar10 {
            Objects.requireNonNull(dir, "dir");
        }

        @Override
        public List<Path> paths() {
            return List.of(dir);
        }
    }
}
