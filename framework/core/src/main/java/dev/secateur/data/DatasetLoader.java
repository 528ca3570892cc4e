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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Loads a data block's examples: Fashion-MNIST or MNIST from IDX files (the Debian package's directory, any
 * directory, or the subset embedded in Secateur), NumPy arrays, CSV tables, image folders or CIFAR-10; then makes
 * the splits, prepares the inputs and takes the declared subsets.
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

    /** Chooses the test examples {@code testFraction} holds out: fixed, so every seed is judged on the same ones. */
    private static final long TEST_FRACTION_SEED = 0x74657374L;

    public DataSplits load(DataSpec spec, long seed) {
        var source = resolve(spec.source());
        if (source instanceof DataSpec.Text text) {
            return text(spec, text, seed);
        }
        var read = source instanceof DataSpec.Directory || source instanceof DataSpec.Embedded ? idx(source) : DataSources.read(source);
        if (read.test() != null && !read.test().shape().equals(read.train().shape())) {
            throw new BadInputException(read.test().name() + " holds examples of " + read.test().shape().describe() + " but "
                    + read.train().name() + " holds " + read.train().shape().describe() + "; the test split must have the "
                    + "training split's shape (for images, size: [H, W] resizes both)");
        }
        int classes = classes(spec, read);
        read.train().requireBelow(classes);
        if (read.test() != null) {
            read.test().requireBelow(classes);
        }
        String origin = read.origin();
        Dataset train = read.train().prepare(classes, spec.preprocessing());
        Dataset test;
        if (read.test() == null) {
            if (spec.testFraction() == 0) {
                throw new BadInputException("data " + origin + " has no test split; name the test files (testX: and testY:, "
                        + "test:, or a test/ folder), or hold some examples out with testFraction: 0.2");
            }
            int held = (int) Math.round(train.size() * spec.testFraction());
            if (held < 1 || held >= train.size()) {
                throw new BadInputException("data testFraction: " + spec.testFraction() + " holds out " + held + " of the "
                        + train.size() + " examples of " + origin + "; choose a fraction that leaves both splits at least one example");
            }
            int[] order = Dataset.permutation(train.size(), TEST_FRACTION_SEED);
            var testRows = Arrays.copyOfRange(order, 0, held);
            var trainRows = Arrays.copyOfRange(order, held, order.length);
            Arrays.sort(testRows);
            Arrays.sort(trainRows);
            test = train.select(testRows, read.train().name() + " (test fraction " + spec.testFraction() + ")");
            train = train.select(trainRows, read.train().name() + " (without the test fraction)");
            origin = origin + ", " + held + " examples held out as the test split (testFraction " + spec.testFraction() + ")";
        } else {
            if (spec.testFraction() > 0) {
                throw new BadInputException("data testFraction: " + spec.testFraction() + " holds a test split out of a source "
                        + "that has one (" + read.test().name() + "); remove testFraction, or the test files");
            }
            test = read.test().prepare(classes, spec.preprocessing());
        }
        var held = validation(spec, train, test, origin);
        train = held.train();
        test = held.test();
        origin = held.origin();
        var preprocessing = spec.preprocessing().resolve(read.train().bytes() != null);
        // numbers taken as they are (the automatic scale of 1) need no mention
        boolean unchanged = spec.preprocessing().scale() == null && preprocessing.scale() == 1.0 && preprocessing.mean().isEmpty();
        if (!preprocessing.isDefault() && !unchanged) {
            origin = origin + ", " + preprocessing.describe();
        }
        Standardization standardization = null;
        if (spec.standardize()) {
            standardization = Standardization.of(train);
            train = standardization.apply(train);
            test = standardization.apply(test);
            origin = origin + ", standardized by the training split's mean and std";
        }
        return limited(spec, train, test, origin, read.digest(), classes, read.classNames(), read.files(), preprocessing,
                standardization, seed);
    }

    /** Text as a language model's sequences: the bytes are the tokens, so no preprocessing applies. */
    private DataSplits text(DataSpec spec, DataSpec.Text source, long seed) {
        if (spec.standardize() || spec.preprocessing().scale() != null || !spec.preprocessing().mean().isEmpty()
                || spec.classes() > 0) {
            throw new BadInputException("data text('" + source.path() + "'): its tokens are bytes, so scale, mean, std, "
                    + "standardize and classes do not apply; remove them");
        }
        var read = TextCorpus.read(source);
        double testFraction = spec.testFraction() > 0 ? spec.testFraction() : DEFAULT_TEXT_TEST_FRACTION;
        var splits = TextCorpus.split(read, source, testFraction);
        String origin = read.origin() + ", " + read.text().length + " bytes, " + splits[1].size() + " of "
                + (splits[0].size() + splits[1].size()) + " sequences of " + source.context() + " held out as the test split "
                + "in blocks of " + DataSpec.Text.BLOCK + " (testFraction " + testFraction + ")";
        var held = validation(spec, splits[0], splits[1], origin);
        return limited(spec, held.train(), held.test(), held.origin(), DataFile.combined(read.files()), 256, List.of(),
                read.files(), Preprocessing.DEFAULT, null, seed);
    }

    /** The test fraction of text that declares none. */
    static final double DEFAULT_TEXT_TEST_FRACTION = 0.1;

    /** The training and evaluation splits, and where they came from. */
    private record Held(Dataset train, Dataset test, String origin) {
    }

    /** The validation split, if declared, held out of the training one, and evaluated on instead of the test split. */
    private static Held validation(DataSpec spec, Dataset train, Dataset test, String origin) {
        if (spec.validation() > 0) {
            if (spec.validation() >= train.size()) {
                throw new BadInputException("data validation: " + spec.validation() + " would hold out all " + train.size()
                        + " training examples of " + origin + "; hold out fewer, such as " + train.size() / 6);
            }
            // the same examples for every seed, so settings are compared on one held-out set; text by whole blocks
            int[] order = train.shape() instanceof InputShape.Tokens
                    ? blockOrder(train.size(), DataSpec.Text.BLOCK, VALIDATION_SEED)
                    : Dataset.permutation(train.size(), VALIDATION_SEED);
            var held = Arrays.copyOfRange(order, 0, spec.validation());
            var rest = Arrays.copyOfRange(order, spec.validation(), order.length);
            Arrays.sort(held);
            Arrays.sort(rest);
            test = train.select(held, train.name() + " (validation)");
            train = train.select(rest, train.name() + " (without validation)");
            origin = origin + ", evaluated on " + spec.validation() + " validation " + (train.shape() instanceof InputShape.Tokens
                    ? "sequences" : "images") + " held out of the training split "
                    + "(the test split is not read)";
        }
        return new Held(train, test, origin);
    }

    /** The declared subsets of both splits. */
    private static DataSplits limited(DataSpec spec, Dataset train, Dataset test, String origin, String digest, int classes,
                                      List<String> classNames, List<DataFile> files, Preprocessing preprocessing,
                                      Standardization standardization, long seed) {
        // Independent seeds for the two subsets, so changing one limit leaves the other subset alone.
        train = limit(train, spec.trainLimit(), seed ^ 0x7261696eL);
        test = limit(test, spec.testLimit(), seed ^ 0x74657374L);
        var details = new DataSplits.Details(train.shape(), classes, classNames, files, preprocessing, standardization);
        return new DataSplits(train, test, origin, digest, details);
    }

    /** Rows 0..n-1 in blocks of {@code block} consecutive rows, the blocks in a seeded order. */
    static int[] blockOrder(int n, int block, long seed) {
        int[] blocks = Dataset.permutation((n + block - 1) / block, seed);
        int[] order = new int[n];
        int i = 0;
        for (int b : blocks) {
            for (int row = b * block; row < Math.min(n, (b + 1) * block); row++) {
                order[i++] = row;
            }
        }
        return order;
    }

    /** The declared classes, the format's, or the largest label plus one. */
    private static int classes(DataSpec spec, RawExamples.Read read) {
        int largest = Math.max(read.train().largestLabel(), read.test() == null ? -1 : read.test().largestLabel());
        if (spec.classes() > 0) {
            return spec.classes(); // a label at or above it is refused, naming the file and the example
        }
        if (read.knownClasses() > 0) {
            return read.knownClasses();
        }
        if (largest + 1 > DataSpec.MAX_COUNTED_CLASSES) {
            throw new BadInputException("data " + read.origin() + ": the largest label is " + largest + ", so counting the "
                    + "classes would give " + (largest + 1) + "; labels must be class indices 0 to K−1, and if there really are "
                    + "that many classes declare them with classes: " + (largest + 1));
        }
        return Math.max(largest + 1, 2);
    }

    /** Fashion-MNIST or MNIST, or any IDX files: a directory, or the embedded subset. */
    private RawExamples.Read idx(DataSpec.Source source) {
        var digest = sha256();
        var files = new ArrayList<DataFile>();
        RawExamples train;
        RawExamples test;
        String origin;
        int known;
        if (source instanceof DataSpec.Directory dir) {
            var root = dir.path();
            if (!Files.isDirectory(root)) {
                throw new BadInputException("data directory " + root + " does not exist"
                        + (root.equals(INSTALLED_FASHION_MNIST)
                        ? "; install it with 'apt-get install dataset-fashion-mnist', or use the embedded subset: data fashionMnist(source: 'embedded')"
                        : "; give a directory holding train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz) and t10k-labels-idx1-ubyte(.gz)"));
            }
            String family = dir.family().id();
            train = read(family + " train", root, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", digest, files);
            test = read(family + " test", root, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", digest, files);
            origin = family + " from " + root;
            // Fashion-MNIST's ten classes; mnist(...) reads any IDX files, so counts them from the labels
            known = dir.family() == DataSpec.Family.FASHION_MNIST ? CLASSES : 0;
        } else {
            train = embedded("fashion-mnist train (embedded)", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                    digest, files);
            test = embedded("fashion-mnist test (embedded)", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
                    digest, files);
            origin = "fashion-mnist embedded subset (" + train.count() + " train, " + test.count() + " test)";
            known = CLASSES;
        }
        // the digest of the decoded pixels and labels, as before files were listed, so earlier runs still match
        return new RawExamples.Read(train, test, origin, List.of(), known, files, HexFormat.of().formatHex(digest.digest()));
    }

    private static Dataset limit(Dataset data, int limit, long seed) {
        return limit == 0 || limit >= data.size() ? data : data.sample(limit, seed);
    }

    private static RawExamples read(String name, Path root, String images, String labels, MessageDigest digest,
                                    List<DataFile> files) {
        var imageFile = find(root, images);
        var labelFile = find(root, labels);
        var idxImages = IdxFile.readImages(imageFile);
        byte[] idxLabels = IdxFile.readLabels(labelFile);
        digest.update(idxImages.pixels());
        digest.update(idxLabels);
        files.add(DataFile.of(imageFile));
        files.add(DataFile.of(labelFile));
        return RawExamples.ofIdx(name, idxImages, idxLabels);
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

    private static RawExamples embedded(String name, String images, String labels, MessageDigest digest, List<DataFile> files) {
        try (InputStream imageStream = resource(images); InputStream labelStream = resource(labels)) {
            var idxImages = IdxFile.readImages(imageStream, "embedded " + images);
            byte[] idxLabels = IdxFile.readLabels(labelStream, "embedded " + labels);
            digest.update(idxImages.pixels());
            digest.update(idxLabels);
            for (String file : List.of(images, labels)) {
                try (InputStream again = resource(file)) {
                    files.add(DataFile.of("embedded:" + file, again));
                }
            }
            return RawExamples.ofIdx(name, idxImages, idxLabels);
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
