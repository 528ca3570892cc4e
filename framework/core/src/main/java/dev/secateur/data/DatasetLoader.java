package dev.secateur.data;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.Preprocessing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Loads Fashion-MNIST or MNIST from IDX files: the Debian package's directory, any directory, or the
 * subset embedded in Secateur.
 */
public final class DatasetLoader {

    /** Where {@code apt-get install dataset-fashion-mnist} puts the files. */
    public static final Path INSTALLED_FASHION_MNIST = DataSpec.INSTALLED_FASHION_MNIST;

    /** The embedded subset: the first 10,000 training and first 2,000 test images of Fashion-MNIST. */
    static final String EMBEDDED = "/dev/secateur/data/fashion-mnist-subset/";

    private static final int CLASSES = 10;

    private final Path installedFashionMnist;

    public DatasetLoader() {
        this(INSTALLED_FASHION_MNIST);
    }

    /** For tests: another place to look for the installed Fashion-MNIST. */
    public DatasetLoader(Path installedFashionMnist) {
        this.installedFashionMnist = installedFashionMnist;
    }

    /** Resolves {@link DataSpec.Auto} to what is there now. */
    public DataSpec.Source resolve(DataSpec.Source source) {
        if (source instanceof DataSpec.Auto) {
            return Files.isDirectory(installedFashionMnist)
                    ? new DataSpec.Directory(installedFashionMnist, DataSpec.Family.FASHION_MNIST)
                    : new DataSpec.Embedded();
        }
        return source;
    }

    /** Chooses the validation images: fixed, so every seed and setting is judged on the same ones. */
    private static final long VALIDATION_SEED = 0x76616c6964L;

    public DataSplits load(DataSpec spec, long seed) {
        var source = resolve(spec.source());
        var digest = sha256();
        Dataset train;
        Dataset test;
        String origin;
        if (source instanceof DataSpec.Directory dir) {
            var root = dir.path();
            if (!Files.isDirectory(root)) {
                throw new BadInputException("data directory " + root + " does not exist"
                        + (root.equals(INSTALLED_FASHION_MNIST)
                        ? "; install it with 'apt-get install dataset-fashion-mnist', or use the embedded subset: data fashionMnist(source: 'embedded')"
                        : "; give a directory holding train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz) and t10k-labels-idx1-ubyte(.gz)"));
            }
            String family = dir.family().id();
            train = read(family + " train", root, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", spec.preprocessing(), digest);
            test = read(family + " test", root, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", spec.preprocessing(), digest);
            origin = family + " from " + root;
        } else {
            train = embedded("fashion-mnist train (embedded)", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                    spec.preprocessing(), digest);
            test = embedded("fashion-mnist test (embedded)", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
                    spec.preprocessing(), digest);
            origin = "fashion-mnist embedded subset (" + train.size() + " train, " + test.size() + " test)";
        }
        if (spec.validation() > 0) {
            if (spec.validation() >= train.size()) {
                throw new BadInputException("data validation: " + spec.validation() + " would hold out all " + train.size()
                        + " training images of " + origin + "; hold out fewer, such as " + train.size() / 6);
            }
            // the same images for every seed, so settings are compared on one held-out set
            int[] order = Dataset.permutation(train.size(), VALIDATION_SEED);
            var held = Arrays.copyOfRange(order, 0, spec.validation());
            var rest = Arrays.copyOfRange(order, spec.validation(), order.length);
            Arrays.sort(held);
            Arrays.sort(rest);
            test = train.select(held, train.name() + " (validation)");
            train = train.select(rest, train.name() + " (without validation)");
            origin = origin + ", evaluated on " + spec.validation() + " validation images held out of the training split "
                    + "(the test split is not read)";
        }
        if (!spec.preprocessing().isDefault()) {
            origin = origin + ", " + spec.preprocessing().describe();
        }
        // Independent seeds for the two subsets, so changing one limit leaves the other subset alone.
        train = limit(train, spec.trainLimit(), seed ^ 0x7261696eL);
        test = limit(test, spec.testLimit(), seed ^ 0x74657374L);
        return new DataSplits(train, test, origin, HexFormat.of().formatHex(digest.digest()));
    }

    private static Dataset limit(Dataset data, int limit, long seed) {
        return limit == 0 || limit >= data.size() ? data : data.sample(limit, seed);
    }

    private static Dataset read(String name, Path root, String images, String labels, Preprocessing preprocessing,
                                MessageDigest digest) {
        var imageFile = find(root, images);
        var labelFile = find(root, labels);
        var idxImages = IdxFile.readImages(imageFile);
        byte[] idxLabels = IdxFile.readLabels(labelFile);
        digest.update(idxImages.pixels());
        digest.update(idxLabels);
        return Dataset.of(name, idxImages, idxLabels, CLASSES, preprocessing);
    }

    private static Path find(Path root, String stem) {
        // The Debian package and Zalando ship ".gz"; LeCun's site unpacks to a dotted name.
        for (String candidate : List.of(stem + ".gz", stem, stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz")) {
            var file = root.resolve(candidate);
            if (Files.isRegularFile(file)) {
                return file;
            }
        }
        throw new BadInputException("data directory " + root + " has no " + stem + " or " + stem
                + ".gz; it must hold the four MNIST-format files (train-images, train-labels, t10k-images, t10k-labels)");
    }

    private static Dataset embedded(String name, String images, String labels, Preprocessing preprocessing,
                                    MessageDigest digest) {
        try (InputStream imageStream = resource(images); InputStream labelStream = resource(labels)) {
            var idxImages = IdxFile.readImages(imageStream, "embedded " + images);
            byte[] idxLabels = IdxFile.readLabels(labelStream, "embedded " + labels);
            digest.update(idxImages.pixels());
            digest.update(idxLabels);
            return Dataset.of(name, idxImages, idxLabels, CLASSES, preprocessing);
        } catch (IOException e) {
            throw new IllegalStateException("the embedded Fashion-MNIST subset is unreadable; rebuild Secateur", e);
        }
    }

    private static InputStream resource(String file) {
        var in = DatasetLoader.class.getResourceAsStream(EMBEDDED + file);
        if (in == null) {
            throw new IllegalStateException("the embedded Fashion-MNIST file " + file + " is missing from the jar; rebuild Secateur");
        }
        return in;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
