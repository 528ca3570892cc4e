package dev.secateur.model.onnx;

import static dev.secateur.model.onnx.OnnxRuntimeCheck.assertCheckerAccepts;
import static dev.secateur.model.onnx.OnnxRuntimeCheck.assertSameOutputs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.Architecture;
import dev.secateur.model.Network;
import dev.secateur.prune.RandomFilterMasks;
import dev.secateur.shrink.OnnxRuntimeRunner;
import dev.secateur.shrink.Shrinker;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The built-in networks written as ONNX and judged by onnxruntime against DL4J on the same random images, dense,
 * masked and shrunk; the model's header; and networks the writer refuses, by name.
 */
class OnnxWriterTest {

    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path work;

    /** Biases and batch-norm statistics away from a fresh network's zeros and ones, as after training. */
    static Network trained(Network net, long seed) {
        Nd4j.getRandom().setSeed(seed);
        for (var param : net.paramTable().entrySet()) {
            String key = param.getKey();
            INDArray value = param.getValue();
            INDArray uniform = Nd4j.rand(value.dataType(), value.shape());
            if (key.endsWith("_b") || key.endsWith("_beta") || key.endsWith("_mean")) {
                value.assign(uniform.subi(0.5).muli(0.4));
            } else if (key.endsWith("_gamma") || key.endsWith("_var")) {
                value.assign(uniform.addi(0.5));
            } else if (key.endsWith("_log10stdev")) {
                value.assign(uniform.muli(0.3).subi(0.15));
            }
        }
        return net;
    }

    static INDArray images(long count, long values, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, count, values);
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = "GPT_TINY", mode = EnumSource.Mode.EXCLUDE)
    void everyBuiltInArchitectureGivesDl4jsOutputsInOnnxruntime(Architecture architecture) throws Exception {
        var net = trained(architecture.network(3L, 1e-3), 5L);
        var model = OnnxWriter.write(net);
        assertSameOutputs(net, model.toByteArray(), images(16, 784, 1L), TOLERANCE);

        Path file = work.resolve(architecture.id() + ".onnx");
        Files.write(file, model.toByteArray());
        assertCheckerAccepts(file);
    }

    @Test
    void theModelIsIrSevenAtOpsetThirteenWithABatchOfAnySizeAndDl4jsNames() {
        var net = Architecture.RESNET_SMALL.network(3L, 1e-3);
        var model = OnnxWriter.write(net);
        assertThat(model.getIrVersion()).isEqualTo(7);
        assertThat(model.getOpsetImportList()).singleElement().satisfies(opset -> {
            assertThat(opset.getDomain()).isEmpty();
            assertThat(opset.getVersion()).isEqualTo(13);
        });
        assertThat(model.getProducerName()).isEqualTo("secateur");
        var graph = model.getGraph();
        var input = graph.getInput(0).getType().getTensorType();
        assertThat(graph.getInput(0).getName()).isEqualTo("input");
        assertThat(input.getElemType()).isEqualTo(Onnx.TensorProto.DataType.FLOAT.getNumber());
        assertThat(input.getShape().getDim(0).getDimParam()).isEqualTo("N");
        assertThat(input.getShape().getDimList().subList(1, 4)).extracting(Onnx.TensorShapeProto.Dimension::getDimValue)
                .containsExactly(1L, 28L, 28L);
        var output = graph.getOutput(0).getType().getTensorType().getShape();
        assertThat(output.getDim(0).getDimParam()).isEqualTo("N");
        assertThat(output.getDim(1).getDimValue()).isEqualTo(10);
        assertThat(graph.getNodeList()).extracting(Onnx.NodeProto::getName).contains("0", "1", "add1", "19", "20");
        assertThat(graph.getInitializerList()).extracting(Onnx.TensorProto::getName)
                .contains("0_W", "0_b", "1_gamma", "1_beta", "1_mean", "1_var", "20_W", "20_b");
        var w = graph.getInitializerList().stream().filter(t -> t.getName().equals("0_W")).findFirst().orElseThrow();
        assertThat(w.getDimsList()).containsExactly(16L, 1L, 3L, 3L);
        // raw data, little-endian float32, in DL4J's C order
        float first = ByteBuffer.wrap(w.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN).getFloat(0);
        assertThat(first).isEqualTo(net.getParam("0_W").getFloat(0, 0, 0, 0));
    }

    @Test
    void aSequentialNetworksLayersAreNamedByTheirIndexAndItsFlatInputKeepsItsWidth() {
        var model = OnnxWriter.write(Architecture.LENET_300_100.network(3L, 1e-3));
        assertThat(model.getGraph().getNodeList()).extracting(Onnx.NodeProto::getOpType)
                .containsExactly("Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax");
        assertThat(model.getGraph().getNodeList()).extracting(Onnx.NodeProto::getName)
                .containsExactly("0", "0_act", "1", "1_act", "2", "2_act");
        assertThat(model.getGraph().getInput(0).getType().getTensorType().getShape().getDim(1).getDimValue()).isEqualTo(784);
    }

    @Test
    void aMaskedNetworkExportsItsZerosAsTheyAre() {
        var net = trained(Architecture.LENET_5.network(3L, 1e-3), 5L);
        Nd4j.getRandom().setSeed(8);
        for (String key : new String[]{"0_W", "2_W", "4_W"}) {
            INDArray w = net.getParam(key);
            w.muli(Nd4j.rand(DataType.FLOAT, w.shape()).gt(0.9).castTo(DataType.FLOAT)); // 90% of the weights pruned
        }
        byte[] model = OnnxWriter.bytes(net);
        assertSameOutputs(net, model, images(8, 784, 2L), TOLERANCE);
        var initializer = OnnxWriter.write(net).getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals("4_W")).findFirst().orElseThrow();
        var floats = ByteBuffer.wrap(initializer.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        long zeros = 0;
        while (floats.hasRemaining()) {
            zeros += floats.get() == 0f ? 1 : 0;
        }
        assertThat(zeros).isEqualTo(net.getParam("4_W").length() - net.getParam("4_W").neq(0).castTo(DataType.INT).sumNumber().longValue());
    }

    @Test
    void aResNetPrunedStructurallyAndShrunkExportsTheSmallerGraphWithTheMaskedNetworksOutputs() {
        var net = trained(Architecture.RESNET_SMALL.network(5L, 1e-3), 6L);
        RandomFilterMasks.apply(net, 0.5, 9);
        var shrunk = new Shrinker().shrink(net).net();
        assertThat(shrunk.numParams()).isLessThan(net.numParams());

        byte[] model = OnnxWriter.bytes(shrunk);
        var x = images(16, 784, 3L);
        assertSameOutputs(shrunk, model, x, TOLERANCE);
        assertSameOutputs(net, model, x, TOLERANCE); // the masked network computes the same function
        long exported = OnnxWriter.write(shrunk).getGraph().getInitializerList().stream()
                .mapToLong(t -> t.getDimsList().stream().reduce(1L, (a, b) -> a * b)).sum();
        assertThat(exported).as("float parameters in the file, batch-norm statistics included").isEqualTo(shrunk.numParams());
    }

    @Test
    void aLayerWithNoOnnxFormIsNamedWithItsIndexAndClass() {
        var conf = new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(4).build())
                .layer(new LSTM.Builder().nIn(4).nOut(3).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(3).nOut(2).activation(Activation.IDENTITY).build())
                .build();
        var net = new MultiLayerNetwork(conf);
        net.init();
        assertThatThrownBy(() -> OnnxWriter.write(Network.of(net))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("layer 1 (org.deeplearning4j.nn.conf.layers.LSTM)")
                .hasMessageContaining("supported: DenseLayer, OutputLayer, ConvolutionLayer");
    }

    @Test
    void aGraphLayerOrVertexWithNoOnnxFormIsNamedWithItsName() {
        var graph = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("input")
                .setInputTypes(InputType.convolutionalFlat(8, 8, 1))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "input")
                .addLayer("lrn", new LocalResponseNormalization.Builder().build(), "conv")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY).build(), "lrn")
                .setOutputs("out").build();
        var net = new ComputationGraph(graph);
        net.init();
        assertThatThrownBy(() -> OnnxWriter.write(Network.of(net))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("layer 1 'lrn' (org.deeplearning4j.nn.conf.layers.LocalResponseNormalization)");

        var scaled = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("input")
                .addLayer("dense", new DenseLayer.Builder().nIn(5).nOut(4).build(), "input")
                .addVertex("scale", new ScaleVertex(2.0), "dense")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(4).nOut(2).activation(Activation.IDENTITY).build(), "scale")
                .setOutputs("out").build();
        var scaledNet = new ComputationGraph(scaled);
        scaledNet.init();
        assertThatThrownBy(() -> OnnxWriter.write(Network.of(scaledNet))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("vertex 'scale' (org.deeplearning4j.nn.conf.graph.ScaleVertex)")
                .hasMessageContaining("supported: ElementWiseVertex");
    }

    @Test
    void aChannelsLastConvolutionIsRefusedWithWhatToChange() {
        var channelsLast = InputType.convolutional(8, 8, 1, CNN2DFormat.NHWC);
        var conf = new NeuralNetConfiguration.Builder().list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY).build())
                .setInputType(channelsLast)
                .build();
        var net = new MultiLayerNetwork(conf);
        net.init();
        assertThatThrownBy(() -> OnnxWriter.write(Network.of(net), OnnxWriter.Input.of(channelsLast))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("layer 0 (org.deeplearning4j.nn.conf.layers.ConvolutionLayer)")
                .hasMessageContaining("build the layer with dataFormat NCHW");
    }

    @Test
    void anActivationWithNoOnnxFormIsNamedWithItsLayer() {
        var conf = new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(4).activation(Activation.CUBE).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(4).nOut(2).activation(Activation.IDENTITY).build())
                .build();
        var net = new MultiLayerNetwork(conf);
        net.init();
        assertThatThrownBy(() -> OnnxWriter.write(Network.of(net))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("layer 0 (org.deeplearning4j.nn.conf.layers.DenseLayer)")
                .hasMessageContaining("activation cube").hasMessageContaining("supported: identity, relu");
    }

    @Test
    void aConvolutionThatDoesNotSayItsInputsSizeAsksForIt() {
        var conf = new NeuralNetConfiguration.Builder().list()
                .layer(new ConvolutionLayer.Builder(3, 3).nIn(1).nOut(4).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(8, 8, 1))
                .build();
        var net = new MultiLayerNetwork(conf);
        net.init();
        assertThatThrownBy(() -> OnnxWriter.write(Network.of(net))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("cannot tell the size of this network's input")
                .hasMessageContaining("OnnxWriter.write(net, Input.of(InputType.convolutional(h, w, c)))");
        // given, it writes: the network takes images as they are
        var model = OnnxWriter.write(Network.of(net), OnnxWriter.Input.of(InputType.convolutional(8, 8, 1)));
        Nd4j.getRandom().setSeed(1);
        var x = Nd4j.rand(DataType.FLOAT, 3, 1, 8, 8);
        INDArray actual = OnnxRuntimeRunner.run(model.toByteArray(), x);
        assertThat(actual.sub(net.output(x)).amaxNumber().doubleValue()).isLessThanOrEqualTo(TOLERANCE);
    }
}
