package dev.secateur.shrink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.model.Architecture;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import onnx.Onnx.ModelProto;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.protobuf.ByteString;

/** An ONNX file's parameters and FLOPs, counted as Secateur's own census counts a network, and checked by hand. */
class OnnxCensusTest {

    @Test
    void anMlpCountsWhatTheCensusCountsForLeNet300() {
        var census = OnnxCensus.of(OnnxCensus.parse(OnnxTestModels.mlp(1L, 784, 300, 100, 10), "mlp.onnx"));
        var lenet = Architecture.LENET_300_100.network(1L, 1e-3);
        var own = new Evaluator().census(lenet, Nd4j.rand(DataType.FLOAT, 1, 784));

        assertThat(census.params()).isEqualTo(266_610).isEqualTo(own.params());
        assertThat(census.nonzeroParams()).isEqualTo(266_610);
        // 2 per multiply-accumulate of 784x300, 300x100 and 100x10, plus 410 bias adds
        assertThat(census.flops()).isEqualTo(2L * (784 * 300 + 300 * 100 + 100 * 10) + 410).isEqualTo(own.flops());
        assertThat(census.effectiveFlops()).isEqualTo(census.flops());
        assertThat(census.counted()).isEqualTo(Map.of("Gemm", 3));
        assertThat(census.uncounted()).isEmpty();
    }

    @Test
    void aConvolutionCountsEveryOutputPositionWithShapesFromOnnxruntime() {
        var census = OnnxCensus.of(OnnxCensus.parse(OnnxTestModels.cnn(1L, 4), "cnn.onnx"));
        // conv: 4 filters of 3x3x1 at 28x28 positions (padding 1), plus a bias add each; fc: 3,136 inputs to 10
        long conv = 2L * 9 * 4 * 784 + 4 * 784;
        long fc = 2L * 3136 * 10 + 10;
        assertThat(census.flops()).isEqualTo(conv + fc);
        assertThat(census.params()).isEqualTo(36 + 4 + 31_360 + 10);
        assertThat(census.counted()).isEqualTo(Map.of("Conv", 1, "Gemm", 1));
    }

    @Test
    void aMatMulCountsItsSummedDimensionAndTheAddThatCarriesItsBias() {
        var census = OnnxCensus.of(OnnxCensus.parse(OnnxTestModels.matMulAdd(1L, 64, 16), "matmul.onnx"));
        assertThat(census.flops()).isEqualTo(2L * 64 * 16 + 16);
        assertThat(census.counted()).isEqualTo(Map.of("MatMul", 1));
    }

    @Test
    void zeroedWeightsCountAsParametersButNotAsNonzeroOrEffectiveFlops() throws Exception {
        var model = ModelProto.parseFrom(OnnxTestModels.mlp(1L, 784, 300, 10)).toBuilder();
        var graph = model.getGraphBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            if (graph.getInitializer(i).getName().equals("w0")) {
                // the first 150 of 300 output rows set to zero, as a masked export leaves them
                byte[] raw = graph.getInitializer(i).getRawData().toByteArray();
                Arrays.fill(raw, 0, 4 * 150 * 784, (byte) 0);
                graph.setInitializer(i, graph.getInitializer(i).toBuilder().setRawData(ByteString.copyFrom(raw)));
            }
        }
        var census = OnnxCensus.of(model.build());

        assertThat(census.params()).isEqualTo(784 * 300 + 300 + 300 * 10 + 10);
        assertThat(census.nonzeroParams()).isEqualTo(census.params() - 150 * 784);
        assertThat(census.flops()).isEqualTo(2L * (784 * 300 + 300 * 10) + 310);
        assertThat(census.effectiveFlops()).isEqualTo(2L * (784 * 150 + 300 * 10) + 310);
    }

    @Test
    void bytesThatAreNoModelAreRefusedNamingTheFile() {
        assertThatThrownBy(() -> OnnxCensus.parse("just some text\n".getBytes(StandardCharsets.UTF_8), "notes.onnx"))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("notes.onnx is not an ONNX model");
        assertThatThrownBy(() -> OnnxCensus.parse(new byte[0], "empty.onnx"))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("empty.onnx is not an ONNX model");
    }
}
