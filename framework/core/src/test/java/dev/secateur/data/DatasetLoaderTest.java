package dev.secateur.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.Preprocessing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

class DatasetLoaderTest {

    @TempDir
    Path dir;

    private final DatasetLoader loader = new DatasetLoader(Path.of("/nonexistent/fashion-mnist"));

    @Test
    void embeddedSubsetHasTenThousandTrainingAndTwoThousandTestImages() {
        var splits = loader.load(DataSpec.of(new DataSpec.Embedded()), 1L);
        assertThat(splits.train().size()).isEqualTo(10_000);
        assertThat(splits.test().size()).isEqualTo(2_000);
        assertThat(splits.train().features().columns()).isEqualTo(784);
        assertThat(splits.train().features().maxNumber().doubleValue()).isLessThanOrEqualTo(1.0);
        assertThat(splits.source()).contains("embedded");
        assertThat(splits.sha256()).hasSize(64);
        // every class is present in the subset
        assertThat(Arrays.stream(splits.train().classes()).distinct().count()).isEqualTo(10);
    }

    @Test
    void limitsDrawTheSameSeededSubsetEveryTimeAndAnotherForAnotherSeed() {
        var spec = new DataSpec(new DataSpec.Embedded(), 300, 100);
        var a = loader.load(spec, 5L);
        var b = loader.load(spec, 5L);
        var c = loader.load(spec, 6L);
        assertThat(a.train().size()).isEqualTo(300);
        assertThat(a.test().size()).isEqualTo(100);
        assertThat(a.train().features()).isEqualTo(b.train().features());
        assertThat(a.train().classes()).isEqualTo(b.train().classes());
        assertThat(a.train().features()).isNotEqualTo(c.train().features());
    }

    @Test
    void aValidationSplitHoldsOutTheSameTrainingImagesForEverySeedAndNeverReadsTheTestSplit() {
        var spec = new DataSpec(new DataSpec.Embedded(), 0, 0, 2000);
        var one = loader.load(spec, 1L);
        var other = loader.load(spec, 2L);
        var all = loader.load(DataSpec.of(new DataSpec.Embedded()), 1L);
        assertThat(one.test().size()).isEqualTo(2000);
        assertThat(one.train().size()).isEqualTo(all.train().size() - 2000);
        assertThat(one.test().features()).as("the same held-out images whatever the seed").isEqualTo(other.test().features());
        assertThat(one.source()).contains("evaluated on 2000 validation images held out of the training split");
        // every held-out image is a training image, none is a test image, and none is still trained on
        var trainRows = new HashSet<Integer>();
        for (int i = 0; i < all.train().size(); i++) {
            trainRows.add(Arrays.hashCode(all.train().features().getRow(i).toFloatVector()));
        }
        var kept = new HashSet<Integer>();
        for (int i = 0; i < one.train().size(); i++) {
            kept.add(Arrays.hashCode(one.train().features().getRow(i).toFloatVector()));
        }
        for (int i = 0; i < 50; i++) {
            int row = Arrays.hashCode(one.test().features().getRow(i).toFloatVector());
            assertThat(trainRows).contains(row);
            assertThat(kept).doesNotContain(row);
        }
        assertThatThrownBy(() -> loader.load(new DataSpec(new DataSpec.Embedded(), 0, 0, all.train().size()), 1L))
                .isInstanceOf(BadInputException.class).hasMessageContaining("would hold out all");
        assertThatThrownBy(() -> new DataSpec(new DataSpec.Embedded(), 0, 0, -1)).hasMessageContaining("validation = -1");
    }

    @Test
    void declaringTheTrainingSplitsOwnMeanAndStdGivesItMeanZeroAndStdOneAndPreparesEverySplitTheSameWay() {
        var plain = loader.load(new DataSpec(new DataSpec.Embedded(), 0, 0, 1000), 1L);
        float[] x = plain.train().features().data().asFloat();
        double mean = Arrays.stream(toDoubles(x)).average().orElseThrow();
        double std = Math.sqrt(Arrays.stream(toDoubles(x)).map(v -> (v - mean) * (v - mean)).average().orElseThrow());
        var normalized = Preprocessing.normalized(List.of(mean), List.of(std));

        var splits = loader.load(new DataSpec(new DataSpec.Embedded(), 0, 0, 1000, normalized), 1L);
        double[] z = toDoubles(splits.train().features().data().asFloat());
        double zMean = Arrays.stream(z).average().orElseThrow();
        double zStd = Math.sqrt(Arrays.stream(z).map(v -> (v - zMean) * (v - zMean)).average().orElseThrow());
        assertThat(zMean).isCloseTo(0, within(1e-5));
        assertThat(zStd).isCloseTo(1, within(1e-5));
        assertThat(splits.source()).endsWith(", inputs (x·" + (1.0 / 255) + " − mean) / std, mean [" + mean + "], std [" + std + "]");
        assertThat(splits.sha256()).as("the digest is of the files read, not of the inputs").isEqualTo(plain.sha256());

        // the validation images, the calibration sample and the test split are prepared the same way
        var calibration = Calibration.sample(splits, 256, 3L);
        var plainCalibration = Calibration.sample(plain, 256, 3L);
        var test = loader.load(new DataSpec(new DataSpec.Embedded(), 0, 300, 0, normalized), 1L).test();
        var plainTest = loader.load(new DataSpec(new DataSpec.Embedded(), 0, 300), 1L).test();
        for (var pair : List.of(List.of(splits.test(), plain.test()), List.of(calibration, plainCalibration), List.of(test, plainTest))) {
            float[] prepared = pair.get(0).features().data().asFloat();
            float[] pixels = pair.get(1).features().data().asFloat();
            assertThat(prepared).hasSameSizeAs(pixels);
            for (int i = 0; i < pixels.length; i++) {
                assertThat((double) prepared[i]).as(pair.get(0).name()).isCloseTo((pixels[i] - mean) / std, within(1e-5));
            }
        }
    }

    @Test
    void aScaleAloneMultipliesTheRawPixelValues() {
        var raw = loader.load(new DataSpec(new DataSpec.Embedded(), 0, 50, 0, Preprocessing.scaled(1)), 1L).test();
        var plain = loader.load(new DataSpec(new DataSpec.Embedded(), 0, 50), 1L).test();
        assertThat(raw.features().maxNumber().doubleValue()).isEqualTo(255.0);
        assertThat(raw.features()).isEqualTo(plain.features().mul(255).castTo(DataType.INT32)
                .castTo(DataType.FLOAT));
    }

    @Test
    void eachChannelOfAnImageIsPreparedWithItsOwnMeanAndStd() {
        // two images of two channels of two pixels, NCHW
        byte[] raw = {0, (byte) 255, 10, 20, (byte) 200, 100, 30, 40};
        var p = new Preprocessing(1, List.of(100.0, 10.0), List.of(2.0, 5.0));
        assertThat(Dataset.inputs(raw, 2, 2, p, "pairs")).containsExactly(-50f, 77.5f, 0f, 2f, 50f, 0f, 4f, 6f);
        assertThatThrownBy(() -> Dataset.inputs(raw, 1, 4, p, "pairs")).isInstanceOf(BadInputException.class)
                .hasMessage("data: mean = [100.0, 10.0] and std = [2.0, 5.0] have 2 values, but pairs images have 1 channel; "
                        + "give one mean and one std per channel");
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    @Test
    void calibrationSampleIsSeededAndWithoutReplacement() {
        var train = loader.load(new DataSpec(new DataSpec.Embedded(), 1000, 10), 1L).train();
        var a = train.sample(64, 9L);
        assertThat(a.size()).isEqualTo(64);
        assertThat(a.features()).isEqualTo(train.sample(64, 9L).features());
        assertThat(a.features()).isNotEqualTo(train.sample(64, 10L).features());
        assertThatThrownBy(() -> train.sample(1001, 1L)).hasMessageContaining("cannot draw 1001");
    }

    @Test
    void autoUsesTheInstalledDirectoryWhenItExists() throws IOException {
        assertThat(loader.resolve(new DataSpec.Auto())).isInstanceOf(DataSpec.Embedded.class);
        var installed = Files.createDirectory(dir.resolve("fashion-mnist"));
        assertThat(new DatasetLoader(installed).resolve(new DataSpec.Auto()))
                .isEqualTo(new DataSpec.Directory(installed, DataSpec.Family.FASHION_MNIST));
    }

    @Test
    void readsADirectoryOfIdxFiles() throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), IdxFileTest.gzip(IdxFileTest.images(4, 28, 28)));
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), IdxFileTest.gzip(IdxFileTest.labels(0, 1, 2, 3)));
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), IdxFileTest.images(2, 28, 28));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), IdxFileTest.labels(5, 9));
        var splits = loader.load(DataSpec.of(new DataSpec.Directory(dir, DataSpec.Family.MNIST)), 1L);
        assertThat(splits.train().classes()).containsExactly(0, 1, 2, 3);
        assertThat(splits.test().classes()).containsExactly(5, 9);
        assertThat(splits.source()).contains("mnist").contains(dir.toString());
    }

    @Test
    void missingDirectoryIsNamedWithWhatToDo() {
        var missing = dir.resolve("no-such-dir");
        assertThatThrownBy(() -> loader.load(DataSpec.of(new DataSpec.Directory(missing, DataSpec.Family.FASHION_MNIST)), 1L))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("data directory " + missing + " does not exist")
                .hasMessageContaining("train-images-idx3-ubyte");
    }

    @Test
    void directoryWithoutTheLabelFileSaysWhichIsMissing() throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte"), IdxFileTest.images(1, 28, 28));
        assertThatThrownBy(() -> loader.load(DataSpec.of(new DataSpec.Directory(dir, DataSpec.Family.MNIST)), 1L))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("has no train-labels-idx1-ubyte");
    }

    @Test
    void imagesAndLabelsOfDifferentCountsAreRefused() throws IOException {
        Files.write(dir.resolve("train-images-idx3-ubyte"), IdxFileTest.images(3, 28, 28));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), IdxFileTest.labels(1, 2));
        assertThatThrownBy(() -> loader.load(DataSpec.of(new DataSpec.Directory(dir, DataSpec.Family.MNIST)), 1L))
                .hasMessageContaining("3 images but 2 labels");
    }
}
