package dev.secateur.shrink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** onnxruntime, through the runner, computes what the graph says: checked against ND4J and plain loops. */
class OnnxRuntimeRunnerTest {

    @Test
    void aGemmReluMlpGivesWhatNd4jComputesFromItsInitializers() throws Exception {
        byte[] model = OnnxTestModels.mlp(7L, 784, 300, 10);
        INDArray x = OnnxRuntimeLatency.randomInput(5, new long[]{784});
        INDArray hidden = Transforms.relu(x.mmul(OnnxTestModels.initializer(model, "w0").transpose())
                .addiRowVector(OnnxTestModels.initializer(model, "b0")));
        INDArray expected = hidden.mmul(OnnxTestModels.initializer(model, "w1").transpose())
                .addiRowVector(OnnxTestModels.initializer(model, "b1"));

        try (var runner = OnnxRuntimeRunner.open(model)) {
            assertThat(runner.inputName()).isEqualTo(OnnxTestModels.INPUT);
            assertThat(runner.outputName()).isEqualTo(OnnxTestModels.OUTPUT);
            assertThat(runner.inputShape()).containsExactly(-1, 784);
            INDArray actual = runner.run(x);
            assertThat(actual.shape()).containsExactly(5, 10);
            assertThat(expected.amaxNumber().doubleValue()).as("outputs well away from 0").isGreaterThan(0.1);
            assertThat(actual.sub(expected).amaxNumber().doubleValue()).as("largest difference from ND4J").isLessThan(1e-5);
        }
    }

    @Test
    void aConvolutionOnImagesGivesWhatAPlainLoopComputes() throws Exception {
        int filters = 4;
        byte[] model = OnnxTestModels.cnn(3L, filters);
        INDArray x = OnnxRuntimeLatency.randomInput(2, new long[]{1, 28, 28});
        INDArray kernel = OnnxTestModels.initializer(model, "conv_w");
        INDArray convBias = OnnxTestModels.initializer(model, "conv_b");
        // convolution with zero padding 1, then Relu, flattened in NCHW order as ONNX's Flatten does
        INDArray flat = Nd4j.create(DataType.FLOAT, 2, filters * 784);
        for (int n = 0; n < 2; n++) {
            for (int f = 0; f < filters; f++) {
                for (int r = 0; r < 28; r++) {
                    for (int c = 0; c < 28; c++) {
                        double sum = convBias.getDouble(f);
                        for (int i = -1; i <= 1; i++) {
                            for (int j = -1; j <= 1; j++) {
                                if (r + i >= 0 && r + i < 28 && c + j >= 0 && c + j < 28) {
                                    sum += kernel.getDouble(f, 0, i + 1, j + 1) * x.getDouble(n, 0, r + i, c + j);
                                }
                            }
                        }
                        flat.putScalar(n, f * 784 + r * 28 + c, Math.max(0, sum));
                    }
                }
            }
        }
        INDArray expected = flat.mmul(OnnxTestModels.initializer(model, "fc_w").transpose())
                .addiRowVector(OnnxTestModels.initializer(model, "fc_b"));

        try (var runner = OnnxRuntimeRunner.open(model)) {
            assertThat(runner.inputShape()).containsExactly(-1, 1, 28, 28);
            var outputs = runner.runAll(x);
            assertThat(outputs).containsOnlyKeys(OnnxTestModels.OUTPUT);
            assertThat(outputs.get(OnnxTestModels.OUTPUT).sub(expected).amaxNumber().doubleValue()).isLessThan(1e-5);
        }
    }

    @Test
    void bytesThatAreNoModelAreRefusedSayingWhatToGive() {
        assertThatThrownBy(() -> OnnxRuntimeRunner.open("not a model at all".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("onnxruntime cannot load the model (18 bytes)")
                .hasMessageContaining("give an ONNX model file");
    }

    @Test
    void anInputOfTheWrongShapeIsRefusedNamingBothShapes() {
        try (var runner = OnnxRuntimeRunner.open(OnnxTestModels.mlp(1L, 784, 30, 10))) {
            assertThatThrownBy(() -> runner.run(OnnxRuntimeLatency.randomInput(2, new long[]{1, 28, 28})))
                    .isInstanceOf(BadInputException.class)
                    .hasMessageContaining("input of shape [2, 1, 28, 28]")
                    .hasMessageContaining("'input' is [-1, 784]");
        }
    }
}
