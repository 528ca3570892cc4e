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
 */
public record DataSpec(Source source, int trainLimit, int testLimit, int validation) {

    /** Where Debian's dataset-fashion-mnist package puts the IDX files. */
    public static final Path INSTALLED_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    public DataSpec {
        Objects.requireNonNull(source, "source");
        if (trainLimit < 0 || testLimit < 0) {
            throw new IllegalArgumentException("train and test limits must be 0 (all) or more, got "
                    + trainLimit + " and " + testLimit);
        }
        if (validation < 0) {
            throw new IllegalArgumentException("validation = " + validation + " must be 0 (evaluate on the test split) or a "
                    + "number of training images to hold out, such as 10000");
        }
    }

    /** Evaluating on the test split. */
    public DataSpec(Source source, int trainLimit, int testLimit) {
        this(source, trainLimit, testLimit, 0);
    }

    public static DataSpec of(Source source) {
        return new DataSpec(source, 0, 0);
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
