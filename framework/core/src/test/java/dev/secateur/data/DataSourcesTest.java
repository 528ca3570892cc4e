package dev.secateur.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.dsl.Dsl;
import dev.secateur.errors.BadInputException;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.Preprocessing;
import dev.secateur.spec.SpecJson;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader over each new source: splits, classes, preprocessing, digests and the errors a user can cause. */
class DataSourcesTest {

    @TempDir
    Path dir;

    private final DatasetLoader loader = new DatasetLoader(Path.of("/nonexistent/fashion-mnist"));

    /** n examples of c×h×w bytes, example i filled with i, labels i % classes. */
    private Path images(String name, int n, String shape, int size) throws IOException {
        byte[] body = new byte[n * size];
        for (int i = 0; i < n; i++) {
            Arrays.fill(body, i * size, (i + 1) * size, (byte) i);
        }
        return Files.write(dir.resolve(name), NpyFileTest.npy(1, NpyFileTest.dict("|u1", false, shape), body));
    }

    private Path labels(String name, long... values) throws IOException {
        var body = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            body.putLong(v);
        }
        return Files.write(dir.resolve(name), NpyFileTest.npy(1, NpyFileTest.dict("<i8", false, "(" + values.length + ",)"), body.array()));
    }

    private static long[] cycle(int n, int classes) {
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = i % classes;
        }
        return values;
    }

    private static DataSpec spec(DataSpec.Source source, double testFraction) {
        return new DataSpec(source, 0, 0, 0, Preprocessing.AUTOMATIC, testFraction, 0, false);
    }

    @Test
    void npyImagesKeepTheirShapeAndClassesAndEachFileIsDigested() throws Exception {
        var x = images("x.npy", 20, "(20, 3, 4, 5)", 60);
        var y = labels("y.npy", cycle(20, 4));
        var tx = images("tx.npy", 6, "(6, 3, 4, 5)", 60);
        var ty = labels("ty.npy", cycle(6, 4));
        var splits = loader.load(spec(new DataSpec.Npy(x, y, tx, ty, DataSpec.Layout.NCHW), 0), 1L);
        assertThat(splits.train().shape()).isEqualTo(InputShape.image(3, 4, 5));
        assertThat(splits.train().size()).isEqualTo(20);
        assertThat(splits.test().size()).isEqualTo(6);
        assertThat(splits.train().classCount()).as("the largest label plus one").isEqualTo(4);
        // uint8 values take the automatic scale of 1/255
        assertThat(splits.train().features().getFloat(5, 0)).isCloseTo(5 / 255f, within(1e-6f));
        assertThat(splits.details().files()).extracting(DataFile::path)
                .containsExactly(x.toString(), y.toString(), tx.toString(), ty.toString());
        assertThat(splits.details().files().get(0).sha256()).isEqualTo(sha256(x));
        assertThat(splits.details().preprocessing().scale()).isEqualTo(1.0 / 255);
        assertThat(splits.sha256()).isEqualTo(DataFile.combined(splits.details().files()));
    }

    @Test
    void channelsLastArraysAreReadChannelFirst() throws Exception {
        // one 2×2 image of 3 channels, NHWC: pixel p has channel values 10p, 10p+1, 10p+2
        byte[] hwc = new byte[12];
        for (int p = 0; p < 4; p++) {
            for (int c = 0; c < 3; c++) {
                hwc[p * 3 + c] = (byte) (10 * p + c);
            }
        }
        byte[] twice = new byte[24];
        System.arraycopy(hwc, 0, twice, 0, 12);
        System.arraycopy(hwc, 0, twice, 12, 12);
        var x = Files.write(dir.resolve("nhwc.npy"), NpyFileTest.npy(1, NpyFileTest.dict("|u1", false, "(2, 2, 2, 3)"), twice));
        var y = labels("y.npy", 0, 1);
        var spec = new DataSpec(new DataSpec.Npy(x, y, x, y, DataSpec.Layout.NHWC), 0, 0, 0, Preprocessing.scaled(1), 0, 0, false);
        var train = loader.load(spec, 1L).train();
        assertThat(train.shape()).isEqualTo(InputShape.image(3, 2, 2));
        assertThat(train.features().getRow(0).toFloatVector()).containsExactly(0, 10, 20, 30, 1, 11, 21, 31, 2, 12, 22, 32);
    }

    @Test
    void aTestFractionHoldsOutTheSameExamplesForEverySeedAndNeverOverlaps() throws Exception {
        var x = images("x.npy", 50, "(50, 6)", 6);
        var y = labels("y.npy", cycle(50, 5));
        var source = new DataSpec.Npy(x, y, null, null, DataSpec.Layout.NCHW);
        var one = loader.load(spec(source, 0.2), 1L);
        var other = loader.load(spec(source, 0.2), 2L);
        assertThat(one.test().size()).isEqualTo(10);
        assertThat(one.train().size()).isEqualTo(40);
        assertThat(one.test().features()).isEqualTo(other.test().features());
        var seen = new HashSet<Float>();
        for (int i = 0; i < 40; i++) {
            seen.add(one.train().features().getFloat(i, 0));
        }
        for (int i = 0; i < 10; i++) {
            assertThat(seen).doesNotContain(one.test().features().getFloat(i, 0));
        }
        assertThatThrownBy(() -> loader.load(spec(source, 0), 1L)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("has no test split").hasMessageContaining("testFraction");
        var withTest = new DataSpec.Npy(x, y, x, y, DataSpec.Layout.NCHW);
        assertThatThrownBy(() -> loader.load(spec(withTest, 0.2), 1L)).hasMessageContaining("remove testFraction");
    }

    @Test
    void csvClassNamesAreNumberedInTheOrderTheyAppearAndStandardizationComesFromTheTrainingSplitOnly() throws Exception {
        var train = Files.writeString(dir.resolve("t.csv"), "\uFEFFa,\"b, c\",kind\r\n1,10,\"x, y\"\r\n3,10,z\r\n5,10,\"x, y\"\r\n7,10,z\r\n",
                StandardCharsets.UTF_8);
        var test = Files.writeString(dir.resolve("test.csv"), "a,\"b, c\",kind\n100,10,z\n");
        var spec = new DataSpec(new DataSpec.Csv(train, "kind", test), 0, 0, 0, Preprocessing.AUTOMATIC, 0, 0, true);
        var splits = loader.load(spec, 1L);
        assertThat(splits.details().classNames()).containsExactly("x, y", "z");
        assertThat(splits.train().classes()).containsExactly(0, 1, 0, 1);
        assertThat(splits.train().shape()).isEqualTo(InputShape.features(2));
        var standardization = splits.details().standardization();
        assertThat(standardization.mean().get(0)).isCloseTo(4.0, within(1e-9));
        assertThat(standardization.std().get(0)).isCloseTo(Math.sqrt(5), within(1e-9));
        assertThat(standardization.std().get(1)).as("a constant column's std is recorded as it is").isZero();
        assertThat(splits.test().features().getFloat(0, 0)).isCloseTo((float) (96 / Math.sqrt(5)), within(1e-4f));
        assertThat(splits.test().features().getFloat(0, 1)).as("divided by 1").isZero();
    }

    @Test
    void labelsOutOfTheDeclaredClassesAndTooManyCountedClassesAreRefused() throws Exception {
        var x = images("x.npy", 4, "(4, 2)", 2);
        var y = labels("y.npy", 0, 1, 7, 2);
        var declared = new DataSpec(new DataSpec.Npy(x, y, x, y, DataSpec.Layout.NCHW), 0, 0, 0, Preprocessing.AUTOMATIC, 0, 5, false);
        assertThatThrownBy(() -> loader.load(declared, 1L)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("label 7 at example 2").hasMessageContaining("5 classes").hasMessageContaining("y.npy");
        var huge = labels("huge.npy", 0, 1, 5000, 2);
        assertThatThrownBy(() -> loader.load(spec(new DataSpec.Npy(x, huge, x, huge, DataSpec.Layout.NCHW), 0), 1L))
                .hasMessageContaining("largest label is 5000").hasMessageContaining("classes: 5001");
    }

    @Test
    void testArraysOfAnotherShapeAreRefusedNamingBoth() throws Exception {
        var x = images("x.npy", 4, "(4, 1, 2, 2)", 4);
        var tx = images("tx.npy", 4, "(4, 1, 3, 3)", 9);
        var y = labels("y.npy", 0, 1, 0, 1);
        assertThatThrownBy(() -> loader.load(spec(new DataSpec.Npy(x, y, tx, y, DataSpec.Layout.NCHW), 0), 1L))
                .isInstanceOf(BadInputException.class).hasMessageContaining("1×3×3").hasMessageContaining("1×2×2")
                .hasMessageContaining("tx.npy");
    }

    @Test
    void aMeanAndStdPerChannelMustMatchTheImagesReadWhichOnlyTheFileCanTell() throws Exception {
        var x = images("x.npy", 4, "(4, 3, 2, 2)", 12);
        var y = labels("y.npy", 0, 1, 0, 1);
        var spec = new DataSpec(new DataSpec.Npy(x, y, x, y, DataSpec.Layout.NCHW), 0, 0, 0,
                Preprocessing.normalized(List.of(0.5), List.of(0.5)), 0, 0, false);
        assertThatThrownBy(() -> loader.load(spec, 1L)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("have 3 channels");
    }

    @Test
    void cifarBinariesAreThreeChannelImagesWithTheirClassNames() throws Exception {
        var cifar = Files.createDirectories(dir.resolve("cifar"));
        Files.write(cifar.resolve("data_batch_1.bin"), Cifar10FilesTest.records(4, 0));
        Files.write(cifar.resolve("test_batch.bin"), Cifar10FilesTest.records(2, 0));
        var splits = loader.load(spec(new DataSpec.Cifar10(cifar), 0), 1L);
        assertThat(splits.train().shape()).isEqualTo(InputShape.image(3, 32, 32));
        assertThat(splits.train().classCount()).isEqualTo(10);
        assertThat(splits.details().classNames()).startsWith("airplane", "automobile");
        assertThat(splits.details().files()).hasSize(2);
    }

    @Test
    void idxFilesOfAnyShapeAndMoreThanTenClassesAreRead() throws Exception {
        var idx = Files.createDirectories(dir.resolve("idx"));
        for (String split : List.of("train", "t10k")) {
            var images = new ByteArrayOutputStream();
            var out = new DataOutputStream(images);
            out.writeInt(0x803);
            out.writeInt(12);
            out.writeInt(6);
            out.writeInt(5);
            out.write(new byte[12 * 30]);
            Files.write(idx.resolve(split + "-images-idx3-ubyte"), images.toByteArray());
            var labels = new ByteArrayOutputStream();
            var lout = new DataOutputStream(labels);
            lout.writeInt(0x801);
            lout.writeInt(12);
            for (int i = 0; i < 12; i++) {
                lout.writeByte(i);
            }
            Files.write(idx.resolve(split + "-labels-idx1-ubyte"), labels.toByteArray());
        }
        var splits = loader.load(DataSpec.of(new DataSpec.Directory(idx, DataSpec.Family.MNIST)), 1L);
        assertThat(splits.train().shape()).isEqualTo(InputShape.image(1, 6, 5));
        assertThat(splits.train().classCount()).isEqualTo(12);
        assertThat(splits.details().files()).hasSize(4);
    }

    @Test
    void anImageFolderWithATrainingFolderAloneHoldsItsTestSplitOutByTestFraction() throws Exception {
        var root = dir.resolve("pictures");
        for (String kind : List.of("cat", "dog")) {
            var folder = Files.createDirectories(root.resolve("train").resolve(kind));
            for (int i = 0; i < 4; i++) {
                var image = new BufferedImage(6, 5, BufferedImage.TYPE_INT_RGB);
                image.setRGB(0, 0, 0x102030 * (i + 1));
                ImageIO.write(image, "png", folder.resolve(i + ".png").toFile());
            }
        }
        var splits = loader.load(spec(new DataSpec.ImageFolder(root, 0, 0, 0), 0.25), 1L);
        assertThat(splits.details().classNames()).as("the class folders, not 'train'").containsExactly("cat", "dog");
        assertThat(splits.train().shape()).isEqualTo(InputShape.image(3, 5, 6));
        assertThat(splits.test().size()).isEqualTo(2);
        assertThat(splits.train().size()).isEqualTo(6);
        assertThat(splits.details().files()).singleElement().extracting(DataFile::path).isEqualTo(root.resolve("train").toString());
    }

    @Test
    void aCsvLabelOutOfRangeIsNamedByItsLineEvenAfterBlankLines() throws Exception {
        var table = Files.writeString(dir.resolve("t.csv"), "a,label\n1,0\n\n\n2,1\n3,-1\n");
        assertThatThrownBy(() -> loader.load(spec(new DataSpec.Csv(table, "label", null), 0.3), 1L))
                .isInstanceOf(BadInputException.class).hasMessageContaining("t.csv, line 6, column 'label': label -1 is negative");
        var tooHigh = Files.writeString(dir.resolve("high.csv"), "a,label\n1,0\n\n2,1\n3,4\n4,1\n");
        var declared = new DataSpec(new DataSpec.Csv(tooHigh, "label", null), 0, 0, 0, Preprocessing.AUTOMATIC, 0.25, 3, false);
        assertThatThrownBy(() -> loader.load(declared, 1L)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("high.csv: label 4 at line 5 is not one of the 3 classes");
    }

    @Test
    void testImagesOfAnotherSizeAreRefusedUnlessSizeResizesBoth() throws Exception {
        var root = dir.resolve("sizes");
        for (String split : List.of("train", "test")) {
            var folder = Files.createDirectories(root.resolve(split).resolve("one"));
            int side = split.equals("train") ? 4 : 6;
            for (int i = 0; i < 2; i++) {
                ImageIO.write(new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY), "png", folder.resolve(i + ".png").toFile());
            }
        }
        assertThatThrownBy(() -> loader.load(spec(new DataSpec.ImageFolder(root, 0, 0, 0), 0), 1L))
                .isInstanceOf(BadInputException.class).hasMessageContaining("1×6×6").hasMessageContaining("1×4×4")
                .hasMessageContaining("size: [H, W]");
        assertThat(loader.load(spec(new DataSpec.ImageFolder(root, 5, 5, 0), 0), 1L).test().shape())
                .isEqualTo(InputShape.image(1, 5, 5));
    }

    @Test
    void arraysWithAnEmptyAxisAndATestFileAsALimitAreRefusedNamingThem() throws Exception {
        var empty = Files.write(dir.resolve("empty.npy"), NpyFileTest.npy(1, NpyFileTest.dict("<f4", false, "(3, 0)"), new byte[0]));
        var y = labels("y.npy", 0, 1, 0);
        assertThatThrownBy(() -> loader.load(spec(new DataSpec.Npy(empty, y, null, null, DataSpec.Layout.NCHW), 0.3), 1L))
                .isInstanceOf(BadInputException.class).hasMessageContaining("empty.npy has shape [3, 0]");
        assertThatThrownBy(() -> Dsl.npy(Map.of("x", "x.npy", "y", "y.npy", "test", "tx.npy")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("npy test: tx.npy is not a whole number");
    }

    @Test
    void mnistCountsTheClassesOfItsLabelsWhileFashionMnistHasTen() throws Exception {
        var idx = Files.createDirectories(dir.resolve("three"));
        for (String split : List.of("train", "t10k")) {
            var images = new ByteArrayOutputStream();
            var out = new DataOutputStream(images);
            out.writeInt(0x803);
            out.writeInt(6);
            out.writeInt(2);
            out.writeInt(2);
            out.write(new byte[6 * 4]);
            Files.write(idx.resolve(split + "-images-idx3-ubyte"), images.toByteArray());
            Files.write(idx.resolve(split + "-labels-idx1-ubyte"), new byte[]{0, 0, 8, 1, 0, 0, 0, 6, 0, 1, 2, 0, 1, 2});
        }
        assertThat(loader.load(DataSpec.of(new DataSpec.Directory(idx, DataSpec.Family.MNIST)), 1L).train().classCount()).isEqualTo(3);
        assertThat(loader.load(DataSpec.of(new DataSpec.Directory(idx, DataSpec.Family.FASHION_MNIST)), 1L).train().classCount())
                .isEqualTo(10);
    }

    @Test
    void everySourceSurvivesTheSpecCodecThatKeysRunsAndCrossesTheCluster() {
        var p = Path.of("/data");
        var sources = List.<DataSpec.Source>of(
                new DataSpec.Npy(p.resolve("x.npy"), p.resolve("y.npy"), null, null, DataSpec.Layout.NHWC),
                new DataSpec.Npy(p.resolve("x.npy"), p.resolve("y.npy"), p.resolve("tx.npy"), p.resolve("ty.npy"), DataSpec.Layout.NCHW),
                new DataSpec.Npz(p.resolve("d.npz"), "x_train", "y_train", "x_test", "y_test", DataSpec.Layout.NCHW),
                new DataSpec.Csv(p.resolve("t.csv"), "class, name", p.resolve("test.csv")),
                new DataSpec.ImageFolder(p, 32, 24, 3),
                new DataSpec.Cifar10(p),
                new DataSpec.Directory(p, DataSpec.Family.MNIST));
        for (var source : sources) {
            var spec = new DataSpec(source, 10, 5, 2, Preprocessing.AUTOMATIC, 0.25, 12, true);
            assertThat(SpecJson.data(SpecJson.data(spec))).as(source.toString()).isEqualTo(spec);
        }
        // a spec that uses none of the new options is written as before them, so the keys of earlier runs stay
        assertThat(SpecJson.data(DataSpec.of(new DataSpec.Embedded())).toString())
                .isEqualTo("{\"source\":\"embedded\",\"trainLimit\":0,\"testLimit\":0,\"validation\":0,"
                        + "\"preprocessing\":{\"scale\":0.00392156862745098,\"mean\":[],\"std\":[]}}");
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
