package dev.secateur.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.data.DatasetLoader;
import dev.secateur.data.InputShape;
import dev.secateur.errors.BadInputException;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.Preprocessing;
import dev.secateur.spec.TrainingSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/** The built-in networks take their input and class count from the data, and refuse data they cannot read. */
class ArchitectureSizingTest {

    @TempDir
    Path dir;

    private static Architecture.Sizing sizing(InputShape shape, int classes) {
        return new Architecture.Sizing(shape, classes, List.of());
    }

    @Test
    void onFashionMnistTheNetworksAreThePublishedOnes() {
        assertThat(Architecture.LENET_300_100.network(1, 1e-3).numParams()).isEqualTo(266_610);
        assertThat(Architecture.LENET_5.network(1, 1e-3).numParams()).isEqualTo(431_080);
        assertThat(Architecture.RESNET_SMALL.network(1, 1e-3).numParams()).isEqualTo(38_890);
        assertThat(Architecture.MLP.network(1, 1e-3).numParams()).as("mlp's default is LeNet-300-100").isEqualTo(266_610);
    }

    @Test
    void lenet5OnColourImagesOf32PixelsIsTheOriginalPapersShape() {
        var net = Architecture.LENET_5.network(1, 1e-3, sizing(InputShape.image(3, 32, 32), 10));
        // conv 5×5×3×20, conv 5×5×20×50, dense 50·5·5→500, output 500→10
        assertThat(net.numParams()).isEqualTo(20 * 76 + 50 * 501 + 1250 * 500 + 500 + 5010);
        assertThat(net.inputShape()).containsExactly(3, 32, 32);
        assertThat(net.output(Nd4j.rand(2, 3 * 32 * 32)).shape()).containsExactly(2, 10);
        // FLOPs follow the shape: 2 per multiply-accumulate plus the bias adds, conv outputs 28×28 then 10×10
        long flops = (2L * 75 * 784 * 20 + 784 * 20) + (2L * 500 * 100 * 50 + 100 * 50) + (2L * 1250 * 500 + 500) + (2L * 500 * 10 + 10);
        assertThat(new Evaluator().census(net, Nd4j.rand(1, 3 * 32 * 32)).flops()).isEqualTo(flops);
    }

    @Test
    void lenet5PadsItsConvolutionsForImagesTooSmallForThemAndTheOutputFollowsTheClasses() {
        var net = Architecture.LENET_5.network(1, 1e-3, sizing(InputShape.image(1, 8, 8), 7));
        // 8×8 → conv (padded) 8×8 → pool 4×4 → conv (padded) 4×4 → pool 2×2: dense reads 50·2·2
        assertThat(net.numParams()).isEqualTo(20 * 26 + 50 * 501 + 200 * 500 + 500 + 501 * 7);
        assertThat(net.output(Nd4j.rand(3, 64)).shape()).containsExactly(3, 7);
    }

    @Test
    void vggAndResnetTakeAnyImageSizeAndChannels() {
        var vgg = Architecture.VGG_SMALL.network(1, 1e-3, sizing(InputShape.image(3, 32, 32), 4));
        assertThat(vgg.output(Nd4j.rand(2, 3072)).shape()).containsExactly(2, 4);
        var resnet = Architecture.RESNET_SMALL.network(1, 1e-3, sizing(InputShape.image(3, 20, 24), 3));
        assertThat(resnet.inputShape()).containsExactly(3, 20, 24);
        assertThat(resnet.output(Nd4j.rand(2, 3 * 20 * 24)).shape()).containsExactly(2, 3);
    }

    @Test
    void mlpTakesItsHiddenWidthsAndTheTablesColumns() {
        var net = Architecture.MLP.network(1, 1e-3, new Architecture.Sizing(InputShape.features(30), 2, List.of(16, 8)));
        assertThat(net.numParams()).isEqualTo(30 * 16 + 16 + 16 * 8 + 8 + 8 * 2 + 2);
        assertThat(net.inputShape()).containsExactly(30);
    }

    @Test
    void aConvolutionalNetworkOnATableOrTooSmallImagesIsRefusedWithWhatToDo() {
        assertThatThrownBy(() -> Architecture.LENET_5.network(1, 1e-3, sizing(InputShape.features(30), 2)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("30 features").hasMessageContaining("train 'mlp'");
        assertThatThrownBy(() -> Architecture.VGG_SMALL.network(1, 1e-3, sizing(InputShape.image(1, 3, 3), 2)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("at least 4×4").hasMessageContaining("1×3×3");
        assertThatThrownBy(() -> sizing(InputShape.features(3), 1)).hasMessageContaining("at least 2 classes");
    }

    @Test
    void aLoadedModelOfAnotherShapeThanTheDataIsRefusedBeforeAnythingRunsNamingBothShapes() throws Exception {
        var file = dir.resolve("lenet.zip");
        ModelFiles.save(Architecture.LENET_300_100.network(1, 1e-3), file);
        var x = npy("x.npy", "|u1", "(4, 3, 32, 32)", new byte[4 * 3072]);
        var y = npy("y.npy", "|u1", "(4,)", new byte[]{0, 1, 2, 3});
        var colour = new DataSpec(new DataSpec.Npy(x, y, x, y, DataSpec.Layout.NCHW), 0, 0, 0, Preprocessing.AUTOMATIC, 0, 10, false);
        var loader = new Loader(new DatasetLoader());
        assertThatThrownBy(() -> loader.load(new ModelSpec.Load(file), colour, 1L))
                .isInstanceOf(BadInputException.class).hasMessageContaining("[N, 784]").hasMessageContaining("[N, 3, 32, 32]");
        var train = new ModelSpec.Train("lenet-5", new TrainingSpec(1, 8, 1e-3, null, TrainingSpec.Decay.CONSTANT));
        assertThat(loader.load(train, colour, 1L).network().inputShape()).containsExactly(3, 32, 32);
    }

    /** A version 1.0 .npy file as numpy.save writes it. */
    private Path npy(String name, String descr, String shape, byte[] body) throws IOException {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        var out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), (byte) (header.length() >> 8)});
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return Files.write(dir.resolve(name), out.toByteArray());
    }
}
