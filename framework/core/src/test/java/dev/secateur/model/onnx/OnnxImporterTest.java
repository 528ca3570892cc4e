package dev.secateur.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.ModelFiles;
import dev.secateur.shrink.OnnxRuntimeRunner;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

class OnnxImporterTest {

    static Path fixture(String name) {
        try {
            return Path.of(OnnxImporterTest.class.getResource("/dev/secateur/onnx/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp.onnx", "lenet5.onnx", "resnet.onnx", "resnet-folded.onnx", "mobilenet.onnx", "zoo.onnx",
            "opset17.onnx", "identity-dropout.onnx", "as-torch-writes-it.onnx", "gemm-scalar-bias.onnx"})
    void anImportedModelComputesWhatOnnxruntimeComputes(String name) throws IOException {
        var net = OnnxImporter.load(fixture(name));
        Nd4j.getRandom().setSeed(7);
        var x = Nd4j.rand(DataType.FLOAT, 8, net.inputSize());
        var ours = net.output(x);
        var theirs = probabilities(onnxruntime(Files.readAllBytes(fixture(name)), x));
        assertThat(ours.shape()).isEqualTo(theirs.shape());
        double worst = Transforms.abs(ours.sub(theirs)).maxNumber().doubleValue();
        assertThat(worst).isLessThan(1e-4);
        // and as log-probabilities, which a shift of one row's logits or an error in a small probability would move
        var ourLogs = Transforms.log(ours, true);
        var theirLogs = Transforms.log(theirs, true);
        var considered = theirLogs.gt(-20.0).castTo(ours.dataType());
        assertThat(Transforms.abs(ourLogs.sub(theirLogs)).muli(considered).maxNumber().doubleValue()).isLessThan(1e-3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"zoo.onnx", "mobilenet.onnx"})
    void anImportedModelSurvivesADl4jZipSoCheckpointsAndResumeWork(String name, @TempDir Path dir) {
        var net = OnnxImporter.load(fixture(name));
        var zip = dir.resolve("model.zip");
        ModelFiles.save(net, zip);
        var restored = ModelFiles.load(zip);
        Nd4j.getRandom().setSeed(3);
        var x = Nd4j.rand(DataType.FLOAT, 4, net.inputSize());
        assertThat(restored.output(x)).isEqualTo(net.output(x));
        assertThat(restored.configurationJson()).isEqualTo(net.configurationJson());
    }

    @Test
    void anUnsupportedOpIsRefusedNamingTheNodeTheOpAndWhatIsSupported() {
        assertThatThrownBy(() -> OnnxImporter.load(fixture("unsupported-op.onnx")))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("unsupported-op.onnx")
                .hasMessageContaining("node 'weird_lrn' (LRN)")
                .hasMessageContaining("it maps Conv, Gemm");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "softmax-axis0.onnx | node 'over_batch' (Softmax) normalises along axis 0",
            "foreign-domain.onnx | node 'fc' (Gemm) is from the operator domain 'com.example'",
            "external-data.onnx | tensor 'fc.weight' is stored in an external file",
            "relu-first.onnx | its input 'input' goes first into an op that does not say how many values"})
    void whatTheMappingCannotReadRightIsRefusedByName(String name, String message) {
        assertThatThrownBy(() -> OnnxImporter.load(fixture(name)))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(name)
                .hasMessageContaining(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"truncated.onnx", "not-onnx.onnx"})
    void aTruncatedOrForeignFileIsRefusedNamingTheFile(String name) {
        assertThatThrownBy(() -> OnnxImporter.load(fixture(name)))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(name)
                .hasMessageContaining("truncated or not ONNX");
    }

    @Test
    void aMissingFileIsRefusedNamingIt(@TempDir Path dir) {
        assertThatThrownBy(() -> ModelFiles.load(dir.resolve("absent.onnx")))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("absent.onnx does not exist");
    }

    @Test
    void layersAreNamedByTheirIndexSoParameterKeysMatchTheBuiltIns() {
        var net = ModelFiles.load(fixture("resnet.onnx"));
        for (int i = 0; i < net.layerCount(); i++) {
            assertThat(net.layerName(i)).isEqualTo(Integer.toString(i));
        }
        assertThat(net.paramTable()).containsKeys("0_W", "1_gamma", "1_var");
    }

    /** onnxruntime's output for rows x, shaped as the model's input wants. */
    static INDArray onnxruntime(byte[] model, INDArray x) {
        try (var runner = OnnxRuntimeRunner.open(model)) {
            long[] shape = runner.inputShape().clone();
            shape[0] = x.rows();
            return runner.run(x.reshape('c', shape));
        }
    }

    /** Class probabilities from logits, log-probabilities or probabilities. */
    static INDArray probabilities(INDArray out) {
        var sums = out.sum(1);
        if (out.minNumber().doubleValue() >= 0 && Transforms.abs(sums.sub(1)).maxNumber().doubleValue() < 1e-4) {
            return out;
        }
        var exp = Transforms.exp(out, true);
        if (Transforms.abs(exp.sum(1).sub(1)).maxNumber().doubleValue() < 1e-4) {
            return exp;
        }
        return Transforms.softmax(out, true);
    }
}
