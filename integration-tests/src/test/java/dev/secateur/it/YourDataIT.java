package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.data.IdxFile;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;

/**
 * Your own data through the real command line: Fashion-MNIST written by the test as {@code .npy}, {@code .npz}, a
 * CSV table, a folder of PNGs and CIFAR-10 binaries, each trained, pruned to 80% and evaluated well above chance,
 * with every file's SHA-256 in {@code spec.json}; and bad files refused with exit code 2, one line naming the file
 * and the place, and no run directory.
 */
class YourDataIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
    private static final int TRAIN = 2000;
    private static final int TEST = 500;
    private static final int SIDE = 28;
    private static final int PIXELS = SIDE * SIDE;
    /** 4×4 mean pooling of a 28×28 image: 7×7 features. */
    private static final int POOLED = 49;
    /** Ten classes: chance is 0.1, and these small runs reach about 0.7; anything below 0.5 is broken. */
    private static final double WELL_ABOVE_CHANCE = 0.5;
    private static final double TARGET = 0.8;

    /** Fashion-MNIST's class names; the first has a comma and the last double quotes, for the CSV. */
    private static final List<String> NAMES = List.of("T-shirt, top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle \"boot\"");
    /** Folder names, whose order by name is not the label order. */
    private static final List<String> FOLDERS = List.of("tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
            "sneaker", "bag", "ankle-boot");

    private static byte[] trainPixels;
    private static byte[] trainLabels;
    private static byte[] testPixels;
    private static byte[] testLabels;

    @TempDir
    Path work;

    @BeforeAll
    static void readFashionMnist() {
        var train = IdxFile.readImages(FASHION.resolve("train-images-idx3-ubyte.gz"));
        var test = IdxFile.readImages(FASHION.resolve("t10k-images-idx3-ubyte.gz"));
        trainPixels = Arrays.copyOf(train.pixels(), TRAIN * PIXELS);
        testPixels = Arrays.copyOf(test.pixels(), TEST * PIXELS);
        trainLabels = Arrays.copyOf(IdxFile.readLabels(FASHION.resolve("train-labels-idx1-ubyte.gz")), TRAIN);
        testLabels = Arrays.copyOf(IdxFile.readLabels(FASHION.resolve("t10k-labels-idx1-ubyte.gz")), TEST);
    }

    private Path runs() {
        return work.resolve("runs");
    }

    private Cli.Result run(String name, String model, String data) throws Exception {
        return run(name, model, data, "finetune epochs: 1");
    }

    private Cli.Result run(String name, String model, String data, String finetune) throws Exception {
        var script = Cli.script(work, name + ".groovy", """
                run(experiment('%s') {
                    seed 7
                    model { %s }
                    data %s
                    saliency 'magnitude'
                    schedule 'one-shot', target: %s
                    %s
                })
                """.formatted(name, model, data, TARGET, finetune));
        return Cli.run(work, "run", script.toString(), "--runs-dir", runs().toString(), "--no-progress");
    }

    private static String q(Path path) {
        return "'" + path.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    // ---------------------------------------------------------------- each source end to end

    /**
     * A small MLP on 49 features: at Adam's default rate two epochs of 2,000 examples leave it near 0.5, and 80% of
     * its 5,000 weights pruned below; a higher rate and a few more (cheap) epochs reach about 0.75 and keep it.
     */
    private static final String MLP = "train 'mlp', hidden: [64, 32], epochs: 5, lr: 0.01";
    private static final String MLP_FINETUNE = "finetune epochs: 2, lr: 0.01";

    @Test
    void npyImagesWithLenet5() throws Exception {
        var x = Files.write(work.resolve("x.npy"), npy("|u1", false, trainPixels, TRAIN, 1, SIDE, SIDE));
        var y = Files.write(work.resolve("y.npy"), npy("<i8", false, int64(trainLabels), TRAIN));
        var tx = Files.write(work.resolve("tx.npy"), npy("|u1", false, testPixels, TEST, 1, SIDE, SIDE));
        var ty = Files.write(work.resolve("ty.npy"), npy("|u1", false, testLabels, TEST));
        var dir = succeeds(run("npy-images", "train 'lenet-5', epochs: 1",
                "npy(x: %s, y: %s, testX: %s, testY: %s)".formatted(q(x), q(y), q(tx), q(ty))));
        var spec = spec(dir);
        assertThat(spec.path("shape").toString()).isEqualTo("[1,28,28]");
        assertDigests(spec, x, y, tx, ty);
    }

    /** The test inputs are written in Fortran order: read as C order they would be noise, and accuracy near chance. */
    @Test
    void npyFeaturesWithAnMlpAndAFortranOrderTestArray() throws Exception {
        var x = Files.write(work.resolve("features.npy"), npy("<f4", false, float32(pooled(trainPixels, TRAIN)), TRAIN, POOLED));
        var y = Files.write(work.resolve("labels.npy"), npy("<i4", false, int32(trainLabels), TRAIN));
        var tx = Files.write(work.resolve("test-features.npy"),
                npy("<f4", true, float32(fortran(pooled(testPixels, TEST), TEST, POOLED)), TEST, POOLED));
        var ty = Files.write(work.resolve("test-labels.npy"), npy("<i8", false, int64(testLabels), TEST));
        var dir = succeeds(run("npy-features", MLP,
                "npy(x: %s, y: %s, testX: %s, testY: %s)".formatted(q(x), q(y), q(tx), q(ty)), MLP_FINETUNE));
        var spec = spec(dir);
        assertThat(spec.path("shape").toString()).isEqualTo("[49]");
        assertDigests(spec, x, y, tx, ty);
    }

    @Test
    void npzImagesChannelsLastWithLenet5() throws Exception {
        var npz = npz(work.resolve("fashion.npz"), Map.of(
                "x_train", npy("|u1", false, trainPixels, TRAIN, SIDE, SIDE, 1),
                "y_train", npy("<i8", false, int64(trainLabels), TRAIN),
                "x_test", npy("|u1", false, testPixels, TEST, SIDE, SIDE, 1),
                "y_test", npy("<i8", false, int64(testLabels), TEST)));
        var dir = succeeds(run("npz-images", "train 'lenet-5', epochs: 1", "npz(%s, layout: 'nhwc')".formatted(q(npz))));
        var spec = spec(dir);
        assertThat(spec.path("shape").toString()).isEqualTo("[1,28,28]");
        assertDigests(spec, npz);
    }

    @Test
    void npzFeaturesByNameWithATestFraction() throws Exception {
        var npz = npz(work.resolve("table.npz"), Map.of(
                "feats", npy("<f4", false, float32(pooled(trainPixels, TRAIN)), TRAIN, POOLED),
                "classes", npy("<i4", false, int32(trainLabels), TRAIN)));
        var dir = succeeds(run("npz-features", MLP,
                "npz(%s, x: 'feats', y: 'classes', testFraction: 0.2)".formatted(q(npz)), MLP_FINETUNE));
        var spec = spec(dir);
        assertThat(spec.path("shape").toString()).isEqualTo("[49]");
        assertDigests(spec, npz);
    }

    /** Quoted names with commas and doubled quotes, class names as labels, a BOM and CRLF line ends. */
    @Test
    void csvWithQuotedClassNamesBomAndCrlf() throws Exception {
        var train = Files.write(work.resolve("train.csv"), csv(trainPixels, trainLabels, TRAIN));
        var test = Files.write(work.resolve("test.csv"), csv(testPixels, testLabels, TEST));
        var dir = succeeds(run("csv", MLP,
                "csv(%s, label: 'item, kind', test: %s, standardize: true)".formatted(q(train), q(test)), MLP_FINETUNE));
        var spec = spec(dir);
        assertThat(spec.path("shape").toString()).isEqualTo("[49]");
        assertThat(spec.path("classes").asInt()).isEqualTo(10);
        var classNames = new ArrayList<String>();
        spec.path("classNames").forEach(n -> classNames.add(n.asText()));
        assertThat(classNames).as("numbered in the order they first appear").containsExactlyInAnyOrderElementsOf(NAMES)
                .startsWith(NAMES.get(trainLabels[0]));
        assertThat(spec.has("standardization")).isTrue();
        assertDigests(spec, train, test);
    }

    @Test
    void aFolderOfRgbPngsWithLenet5() throws Exception {
        var root = work.resolve("pngs");
        for (int i = 0; i < TRAIN; i++) {
            png(root.resolve("train").resolve(FOLDERS.get(trainLabels[i])).resolve(i + ".png"), trainPixels, i);
        }
        for (int i = 0; i < TEST; i++) {
            png(root.resolve("test").resolve(FOLDERS.get(testLabels[i])).resolve(i + ".png"), testPixels, i);
        }
        var dir = succeeds(run("images", "train 'lenet-5', epochs: 1", "images(%s)".formatted(q(root))));
        var spec = spec(dir);
        assertThat(spec.path("shape").toString()).isEqualTo("[3,32,32]");
        var classNames = new ArrayList<String>();
        spec.path("classNames").forEach(n -> classNames.add(n.asText()));
        assertThat(classNames).isEqualTo(FOLDERS.stream().sorted().toList());
    }

    @Test
    void cifar10BinariesWithLenet5() throws Exception {
        var root = Files.createDirectory(work.resolve("cifar"));
        var batch1 = Files.write(root.resolve("data_batch_1.bin"), cifar(trainPixels, trainLabels, 0, TRAIN / 2));
        var batch2 = Files.write(root.resolve("data_batch_2.bin"), cifar(trainPixels, trainLabels, TRAIN / 2, TRAIN));
        var test = Files.write(root.resolve("test_batch.bin"), cifar(testPixels, testLabels, 0, TEST));
        var dir = succeeds(run("cifar", "train 'lenet-5', epochs: 1", "cifar10(%s)".formatted(q(root))));
        var spec = spec(dir);
        assertThat(spec.path("shape").toString()).isEqualTo("[3,32,32]");
        assertThat(spec.path("classNames").get(0).asText()).isEqualTo("airplane");
        assertDigests(spec, batch1, batch2, test);
    }

    /**
     * Exit 0, and in the one run directory a {@code results.csv} whose every row is well above chance and whose last
     * row has the one-shot target's sparsity.
     */
    private Path succeeds(Cli.Result result) throws IOException {
        assertThat(result.exit()).as("exit code; stderr: " + result.err()).isZero();
        Path dir;
        try (Stream<Path> dirs = Files.list(runs())) {
            var all = dirs.filter(Files::isDirectory).toList();
            assertThat(all).as("run directories").hasSize(1);
            dir = all.get(0);
        }
        var lines = Files.readAllLines(dir.resolve("results.csv")).stream().filter(l -> !l.isBlank()).toList();
        var header = Arrays.asList(lines.get(0).split(","));
        int accuracy = header.indexOf("accuracy");
        int sparsity = header.indexOf("sparsity");
        assertThat(accuracy).as("accuracy column in " + header).isNotNegative();
        assertThat(sparsity).as("sparsity column in " + header).isNotNegative();
        assertThat(lines).as("the dense row and the pruned one").hasSizeGreaterThanOrEqualTo(3);
        var accuracies = new ArrayList<Double>();
        for (var line : lines.subList(1, lines.size())) {
            accuracies.add(Double.parseDouble(line.split(",")[accuracy]));
        }
        var last = lines.get(lines.size() - 1).split(",");
        System.out.println("YourDataIT " + dir.getFileName() + ": accuracy per step " + accuracies + ", final sparsity "
                + last[sparsity]);
        assertThat(accuracies).as("accuracy per step of " + dir).allSatisfy(a -> assertThat(a).isGreaterThanOrEqualTo(WELL_ABOVE_CHANCE));
        assertThat(Double.parseDouble(last[sparsity])).as("final sparsity").isCloseTo(TARGET, within(0.01));
        return dir;
    }

    private static JsonNode spec(Path dir) throws IOException {
        return JSON.readTree(dir.resolve("spec.json").toFile()).path("data");
    }

    /** spec.json's data.files lists each file with the SHA-256 of the bytes written. */
    private static void assertDigests(JsonNode data, Path... files) throws Exception {
        var recorded = new LinkedHashMap<String, String>();
        data.path("files").forEach(f -> recorded.put(f.path("path").asText(), f.path("sha256").asText()));
        for (Path file : files) {
            var digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
            assertThat(recorded).as("data.files of spec.json").containsEntry(file.toString(), digest);
        }
    }

    // ---------------------------------------------------------------- bad input

    /** One bad input: writes its files into a directory and gives the model, the data block and what the message names. */
    interface Bad {
        Refusal write(Path dir) throws Exception;
    }

    record Refusal(String model, String data, List<String> mentions) {
    }

    private static final String CHEAP = "train 'mlp', hidden: [8], epochs: 1";

    static Stream<Arguments> badInputs() {
        return Stream.of(
                bad("a CSV cell that is not a number", dir -> {
                    var csv = Files.writeString(dir.resolve("cell.csv"), "a,b,label\n1,2,0\n3,x,1\n5,6,0\n7,8,1\n");
                    return new Refusal(CHEAP, "csv(%s, label: 'label', testFraction: 0.5)".formatted(q(csv)),
                            List.of(csv.toString(), "line 3", "column 'b'", "'x' is not a number"));
                }),
                bad("a ragged CSV row", dir -> {
                    var csv = Files.writeString(dir.resolve("ragged.csv"), "a,b,label\r\n1,2,0\r\n3,4,1\r\n5,0\r\n7,8,1\r\n");
                    return new Refusal(CHEAP, "csv(%s, label: 'label', testFraction: 0.5)".formatted(q(csv)),
                            List.of(csv.toString(), "line 4", "2 fields where the header has 3"));
                }),
                bad("labels beyond the declared classes", dir -> {
                    var x = Files.write(dir.resolve("x.npy"), npy("|u1", false, new byte[20 * 4], 20, 4));
                    var y = Files.write(dir.resolve("y.npy"), npy("<i8", false, int64(tenClasses(20)), 20));
                    return new Refusal(CHEAP, "npy(x: %s, y: %s, classes: 5, testFraction: 0.5)".formatted(q(x), q(y)),
                            List.of(x.toString(), y.toString(), "label 5 at example 5", "5 classes"));
                }),
                bad("a negative label in y.npy", dir -> {
                    var x = Files.write(dir.resolve("x.npy"), npy("|u1", false, new byte[20 * 4], 20, 4));
                    byte[] labels = tenClasses(20);
                    labels[4] = -1;
                    var y = Files.write(dir.resolve("y.npy"), npy("<i8", false, int64(labels), 20));
                    return new Refusal(CHEAP, "npy(x: %s, y: %s, testFraction: 0.5)".formatted(q(x), q(y)),
                            List.of(y.toString(), "label -1 at example 4", "negative"));
                }),
                bad("x and y of different lengths", dir -> {
                    var x = Files.write(dir.resolve("x.npy"), npy("|u1", false, new byte[20 * 4], 20, 4));
                    var y = Files.write(dir.resolve("y.npy"), npy("<i8", false, int64(tenClasses(19)), 19));
                    return new Refusal(CHEAP, "npy(x: %s, y: %s, testFraction: 0.5)".formatted(q(x), q(y)),
                            List.of(y.toString(), "19 labels", x.toString(), "20 examples"));
                }),
                bad("a complex64 .npy", dir -> {
                    var x = Files.write(dir.resolve("complex.npy"), npy("<c8", false, new byte[20 * 4 * 8], 20, 4));
                    var y = Files.write(dir.resolve("y.npy"), npy("<i8", false, int64(tenClasses(20)), 20));
                    return new Refusal(CHEAP, "npy(x: %s, y: %s, testFraction: 0.5)".formatted(q(x), q(y)),
                            List.of(x.toString(), "dtype '<c8'"));
                }),
                bad("an empty class folder", dir -> {
                    var root = dir.resolve("folder");
                    for (String split : List.of("train", "test")) {
                        for (int i = 0; i < 4; i++) {
                            png(root.resolve(split).resolve("a").resolve(i + ".png"), new byte[PIXELS], 0);
                        }
                    }
                    for (int i = 0; i < 4; i++) {
                        png(root.resolve("train").resolve("b").resolve(i + ".png"), new byte[PIXELS], 0);
                    }
                    var empty = Files.createDirectories(root.resolve("test").resolve("b"));
                    return new Refusal(CHEAP, "images(%s)".formatted(q(root)), List.of(empty.toString(), "holds no images"));
                }),
                bad("a corrupt image", dir -> {
                    var root = dir.resolve("folder");
                    for (String split : List.of("train", "test")) {
                        for (String c : List.of("a", "b")) {
                            for (int i = 0; i < 3; i++) {
                                png(root.resolve(split).resolve(c).resolve(i + ".png"), new byte[PIXELS], 0);
                            }
                        }
                    }
                    var garbage = Files.write(root.resolve("train").resolve("b").resolve("garbage.png"),
                            "not a PNG at all, just some bytes".getBytes(StandardCharsets.US_ASCII));
                    return new Refusal(CHEAP, "images(%s)".formatted(q(root)), List.of(garbage.toString(), "cannot read image"));
                }),
                bad("a CIFAR-10 label byte of 12", dir -> {
                    var root = Files.createDirectory(dir.resolve("cifar"));
                    byte[] batch = cifar(new byte[8 * PIXELS], tenClasses(8), 0, 8);
                    batch[3 * 3073] = 12;
                    var file = Files.write(root.resolve("data_batch_1.bin"), batch);
                    Files.write(root.resolve("test_batch.bin"), cifar(new byte[4 * PIXELS], tenClasses(4), 0, 4));
                    return new Refusal(CHEAP, "cifar10(%s)".formatted(q(root)),
                            List.of(file.toString(), "label 12 in record 3"));
                }),
                bad("a CIFAR-10 file that is not whole records", dir -> {
                    var root = Files.createDirectory(dir.resolve("cifar"));
                    Files.write(root.resolve("data_batch_1.bin"), cifar(new byte[4 * PIXELS], tenClasses(4), 0, 4));
                    var file = Files.write(root.resolve("test_batch.bin"), new byte[2 * 3073 + 5]);
                    return new Refusal(CHEAP, "cifar10(%s)".formatted(q(root)),
                            List.of(file.toString(), "6,151 bytes", "not a multiple of the 3,073-byte"));
                }),
                bad("a model for other inputs than the data's", dir -> {
                    var root = Files.createDirectory(dir.resolve("cifar"));
                    Files.write(root.resolve("data_batch_1.bin"), cifar(new byte[20 * PIXELS], tenClasses(20), 0, 20));
                    Files.write(root.resolve("test_batch.bin"), cifar(new byte[10 * PIXELS], tenClasses(10), 0, 10));
                    var model = dir.resolve("dense784.zip");
                    var net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).list()
                            .layer(new DenseLayer.Builder().nIn(PIXELS).nOut(16).activation(Activation.RELU).build())
                            .layer(new OutputLayer.Builder().nIn(16).nOut(10).activation(Activation.SOFTMAX).build())
                            .build());
                    net.init();
                    ModelSerializer.writeModel(net, model.toFile(), true);
                    return new Refusal("load " + q(model), "cifar10(%s)".formatted(q(root)),
                            List.of(model.toString(), "[N, 784]", "[N, 3, 32, 32]"));
                }));
    }

    private static Arguments bad(String name, Bad bad) {
        return Arguments.of(name, bad);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputIsRefusedNamingTheFileAndThePlaceWithNoRunDirectory(String name, Bad bad) throws Exception {
        var refusal = bad.write(work);
        var script = Cli.script(work, "bad.groovy", """
                run(experiment('bad') {
                    model { %s }
                    data %s
                    schedule 'one-shot', target: 0.5
                })
                """.formatted(refusal.model(), refusal.data()));
        var result = Cli.run(work, "run", script.toString(), "--runs-dir", runs().toString(), "--no-progress");
        assertThat(result.exit()).as("exit code; stderr: " + result.err()).isEqualTo(2);
        assertThat(result.errLines()).as("stderr").hasSize(1);
        String message = result.errLines().get(0);
        assertThat(message).startsWith("secateur: error: ").doesNotContain("Exception").doesNotContain("\tat ");
        for (String mention : refusal.mentions()) {
            assertThat(message).contains(mention);
        }
        if (Files.exists(runs())) {
            try (Stream<Path> left = Files.list(runs())) {
                assertThat(left).as("run directories left behind").isEmpty();
            }
        }
    }

    // ---------------------------------------------------------------- files the test writes

    /**
     * A NumPy {@code .npy} file, format 1.0: the magic, the version, the header length, the header dict padded with
     * spaces to end in a newline at a multiple of 64 bytes, then the body.
     */
    static byte[] npy(String descr, boolean fortranOrder, byte[] body, int... shape) {
        var dims = new StringBuilder("(");
        for (int d : shape) {
            dims.append(d).append(", ");
        }
        String tuple = shape.length == 1 ? "(" + shape[0] + ",)" : dims.substring(0, dims.length() - 2) + ")";
        var header = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': " + (fortranOrder ? "True" : "False")
                + ", 'shape': " + tuple + ", }");
        while ((10 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        byte[] dict = header.toString().getBytes(StandardCharsets.US_ASCII);
        var out = ByteBuffer.allocate(10 + dict.length + body.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        out.putShort((short) dict.length).put(dict).put(body);
        return out.array();
    }

    private static Path npz(Path file, Map<String, byte[]> arrays) throws IOException {
        try (var zip = new ZipOutputStream(Files.newOutputStream(file))) {
            for (var entry : new TreeMap<>(arrays).entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey() + ".npy"));
                zip.write(entry.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }

    private static byte[] int64(byte[] labels) {
        var out = ByteBuffer.allocate(labels.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (byte label : labels) {
            out.putLong(label); // signed: -1 stays -1
        }
        return out.array();
    }

    private static byte[] int32(byte[] labels) {
        var out = ByteBuffer.allocate(labels.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (byte label : labels) {
            out.putInt(label & 0xff);
        }
        return out.array();
    }

    private static byte[] float32(float[] values) {
        var out = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            out.putFloat(v);
        }
        return out.array();
    }

    private static byte[] tenClasses(int n) {
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) (i % 10);
        }
        return labels;
    }

    /** Each image's 4×4 blocks averaged and scaled to [0, 1]: 7×7 features an example. */
    private static float[] pooled(byte[] pixels, int n) {
        float[] features = new float[n * POOLED];
        for (int e = 0; e < n; e++) {
            for (int by = 0; by < 7; by++) {
                for (int bx = 0; bx < 7; bx++) {
                    int sum = 0;
                    for (int y = 0; y < 4; y++) {
                        for (int x = 0; x < 4; x++) {
                            sum += pixels[e * PIXELS + (by * 4 + y) * SIDE + bx * 4 + x] & 0xff;
                        }
                    }
                    features[e * POOLED + by * 7 + bx] = sum / (16 * 255f);
                }
            }
        }
        return features;
    }

    /** A C-order {@code [rows, cols]} matrix in Fortran (column-major) order. */
    private static float[] fortran(float[] values, int rows, int cols) {
        float[] out = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = values[r * cols + c];
            }
        }
        return out;
    }

    /** A CSV table with a BOM, CRLF line ends, the label column first and every header name quoted with a comma. */
    private static byte[] csv(byte[] pixels, byte[] labels, int n) {
        float[] features = pooled(pixels, n);
        var text = new StringBuilder("\uFEFF\"item, kind\"");
        for (int f = 0; f < POOLED; f++) {
            text.append(",\"pool ").append(f / 7).append(',').append(f % 7).append('"');
        }
        text.append("\r\n");
        for (int e = 0; e < n; e++) {
            text.append('"').append(NAMES.get(labels[e]).replace("\"", "\"\"")).append('"');
            for (int f = 0; f < POOLED; f++) {
                text.append(',').append(String.format(Locale.ROOT, "%.4f", features[e * POOLED + f]));
            }
            text.append("\r\n");
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Image {@code i} padded to 32×32, red and green its pixels, blue half of them. */
    private static void png(Path file, byte[] pixels, int i) throws IOException {
        var image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                int v = pixels[i * PIXELS + y * SIDE + x] & 0xff;
                image.setRGB(x + 2, y + 2, v << 16 | v << 8 | v / 2);
            }
        }
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer");
        }
    }

    /** CIFAR-10 records of images {@code from} to {@code to}: the label byte, then the red, green and blue 32×32 planes. */
    private static byte[] cifar(byte[] pixels, byte[] labels, int from, int to) {
        var out = new ByteArrayOutputStream();
        for (int i = from; i < to; i++) {
            out.write(labels[i]);
            byte[] planes = new byte[3 * 1024];
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    int v = pixels[i * PIXELS + y * SIDE + x] & 0xff;
                    int p = (y + 2) * 32 + x + 2;
                    planes[p] = (byte) v;
                    planes[1024 + p] = (byte) v;
                    planes[2048 + p] = (byte) (v / 2);
                }
            }
            out.writeBytes(planes);
        }
        return out.toByteArray();
    }
}
