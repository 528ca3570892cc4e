package dev.secateur.spec;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Which images to train, calibrate and evaluate on.
 *
 * @param source     where the IDX files are
 * @param trainLimit use at most this many training images (a seeded random subset); 0 for all
 * @param testLimit  use at most this many test images (a seeded random subset); 0 for all
 * @param validation hold out this many training images, the same ones for every seed, and evaluate on them
 *                   instead of the test split, so settings can be chosen without reading the test set; 0 to
 *                   evaluate on the test split
 * @param preprocessing how pixel values become inputs: a scale, and per channel a mean and std
 */
public record DataSpec(Source source, int trainLimit, int testLimit, int validation, Preprocessing preprocessing) {

    /** Where Debian's dataset-fashion-mnist package puts the IDX files. */
    public static final Path INSTALLED_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    public DataSpec {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(preprocessing, "preprocessing");
        if (trainLimit < 0 || testLimit < 0) {
            throw new IllegalArgumentException("train and test limits must be 0 (all) or more, got "
                    + trainLimit + " and " + testLimit);
        }
        if (validation < 0) {
            throw new IllegalArgumentException("validation = " + validation + " must be 0 (evaluate on the test split) or a "
                    + "number of training images to hold out, such as 10000");
        }
        var family = family(source); // the fields are not set yet
        preprocessing.requireChannels(family.channels(), family.id() + " images");
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

    /** The same images, prepared another way: {@code Dsl.fashionMnist().with(Preprocessing.normalized(...))}. */
    public DataSpec with(Preprocessing preprocessing) {
        return new DataSpec(source, trainLimit, testLimit, validation, preprocessing);
    }

    /** Which dataset the images are: the directory's family, and Fashion-MNIST for the embedded and automatic sources. */
    public Family family() {
        return family(source);
    }

    private static Family family(Source source) {
        return source instanceof Directory dir ? dir.family() : Family.FASHION_MNIST;
    }

    /** The dataset family, which names the classes. */
    public enum Family {
        FASHION_MNIST("fashion-mnist"), MNIST("mnist");

        private final String id;

        Family(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        /** Channels per image: MNIST-format IDX images are grayscale. */
        public int channels() {
            return 1;
        }
    }

    /** Where the IDX files are. */
    public sealed interface Source permits Auto, Embedded, Directory {
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
    }
}
