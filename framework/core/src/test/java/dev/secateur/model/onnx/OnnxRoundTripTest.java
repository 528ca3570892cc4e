package dev.secateur.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.shrink.OnnxRuntimeRunner;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** In and out again: a torch-made model imported and written back computes, in onnxruntime, what the original computes there. */
class OnnxRoundTripTest {

    @ParameterizedTest
    @ValueSource(strings = {"mlp.onnx", "lenet5.onnx", "resnet.onnx", "resnet-folded.onnx", "mobilenet.onnx", "zoo.onnx",
            "opset17.onnx", "identity-dropout.onnx", "as-torch-writes-it.onnx"})
    void aModelImportedAndExportedComputesWhatTheOriginalComputes(String name) throws IOException {
        var original = Files.readAllBytes(OnnxImporterTest.fixture(name));
        var exported = OnnxWriter.bytes(OnnxImporter.load(OnnxImporterTest.fixture(name)));
        Nd4j.getRandom().setSeed(11);
        var x = Nd4j.rand(DataType.FLOAT, 8, 1, 28, 28);
        var theirs = OnnxImporterTest.probabilities(OnnxRuntimeRunner.run(original, x));
        var ours = OnnxImporterTest.onnxruntime(exported, x.reshape(8, 784));
        assertThat(Transforms.abs(ours.sub(theirs)).maxNumber().doubleValue()).isLessThan(1e-4);
    }
}
