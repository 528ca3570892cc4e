package dev.secateur.model.onnx;

import static dev.secateur.model.onnx.OnnxRuntimeCheck.assertCheckerAccepts;
import static dev.secateur.model.onnx.OnnxRuntimeCheck.assertSameOutputs;
import static dev.secateur.model.onnx.OnnxWriterTest.trained;
import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.model.ActivationHardSwish;
import dev.secateur.model.Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Each layer, vertex and activation the writer knows, in small hand-built networks, judged by onnxruntime against
 * DL4J on random inputs within 1e-4. Outputs are linear (no softmax), so a difference is not squashed.
 */
class OnnxWriterLayersTest {

    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path work;

    private static OutputLayer linearOutput(int classes) {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(classes).activation(Activation.IDENTITY).build();
    }

    /** A sequential network over flat images of {@code h}×{@code w}×{@code c}, its layers then a linear output. */
    private static Network images(int h, int w, int c, Layer... layers) {
        var list = new NeuralNetConfiguration.Builder().seed(12).list();
        for (var layer : layers) {
            list.layer(layer);
        }
        var net = new MultiLayerNetwork(list.layer(linearOutput(5)).setInputType(InputType.convolutionalFlat(h, w, c)).build());
        net.init();
        return trained(Network.of(net), 4L);
    }

    /** Asserts onnxruntime's outputs equal DL4J's on random inputs in [lo, hi), and returns the model. */
    private static byte[] assertExportMatches(Network net, double lo, double hi) {
        byte[] model = OnnxWriter.bytes(net);
        Nd4j.getRandom().setSeed(21);
        INDArray x = Nd4j.rand(DataType.FLOAT, 7, net.inputSize()).muli(hi - lo).addi(lo);
        assertSameOutputs(net, model, x, TOLERANCE);
        return model;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void depthwiseConvolutionsKeepDl4jsChannelOrder(int multiplier) {
        var net = images(12, 12, 3,
                new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(multiplier).stride(2, 2).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(),
                new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(multiplier).stride(2, 2).padding(1, 1)
                        .convolutionMode(ConvolutionMode.Truncate).hasBias(false).build(),
                new ConvolutionLayer.Builder(1, 1).nOut(4).build());
        assertExportMatches(net, 0, 1);
        var conv = OnnxWriter.write(net).getGraph().getNode(0);
        assertThat(conv.getOpType()).isEqualTo("Conv");
        assertThat(conv.getAttributeList()).filteredOn(a -> a.getName().equals("group"))
                .singleElement().extracting(Onnx.AttributeProto::getI).isEqualTo(3L);
    }

    @Test
    void sameModeConvolutionsAtStrideTwoOnAnOddInputPadAsDl4jDoes() {
        // odd total padding at every layer: the extra row and column go to the bottom and right
        var net = images(15, 15, 2,
                new ConvolutionLayer.Builder(2, 2).nOut(4).stride(2, 2).convolutionMode(ConvolutionMode.Same).build(), // 15 -> 8
                new ConvolutionLayer.Builder(3, 3).nOut(4).stride(2, 2).convolutionMode(ConvolutionMode.Same).build(), // 8 -> 4
                new ConvolutionLayer.Builder(4, 4).nOut(4).convolutionMode(ConvolutionMode.Same).build(), // 4 -> 4
                new ConvolutionLayer.Builder(3, 3).nOut(3).dilation(2, 2).stride(2, 2).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.TANH).build(), // 4 -> 2
                new ConvolutionLayer.Builder(2, 2).nOut(3).padding(1, 0).convolutionMode(ConvolutionMode.Truncate).build());
        assertExportMatches(net, 0, 1);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void zeroPaddingAndPoolingWithPaddingCountThePaddingAsDl4jDoes(boolean includePadding) {
        var net = images(13, 13, 2,
                new ZeroPaddingLayer.Builder(1, 2, 0, 1).build(),
                new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(),
                new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(3, 3).stride(2, 2).padding(1, 1)
                        .avgPoolIncludePadInDivisor(includePadding).build(),
                new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(2, 2).stride(2, 2)
                        .convolutionMode(ConvolutionMode.Same).avgPoolIncludePadInDivisor(includePadding).build(),
                new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(1, 1)
                        .convolutionMode(ConvolutionMode.Same).build());
        assertExportMatches(net, -1, 1);
    }

    @Test
    void maxPoolingWithPaddingAndGlobalMaxPoolingFlattenAsDl4jDoes() {
        var net = images(9, 9, 1,
                new ConvolutionLayer.Builder(3, 3).nOut(6).build(),
                new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(3, 3).stride(2, 2).padding(1, 1).build(),
                new GlobalPoolingLayer.Builder(PoolingType.MAX).build());
        assertExportMatches(net, -1, 1);
    }

    @Test
    void batchNormalisationWithItsVarianceOrLockedScaleAndShiftAndDropoutAndAnUnbiasedDenseLayer() {
        var net = images(6, 6, 2,
                new ConvolutionLayer.Builder(3, 3).nOut(4).build(),
                new BatchNormalization.Builder().useLogStd(false).eps(1e-3).build(),
                new BatchNormalization.Builder().lockGammaBeta(true).gamma(1.5).beta(-0.25).build(),
                new DropoutLayer.Builder(0.5).build(),
                new DenseLayer.Builder().nOut(7).hasBias(false).activation(Activation.RELU).build(),
                new BatchNormalization.Builder().build());
        assertThat(net.paramTable()).containsKey("1_var").doesNotContainKey("2_gamma").containsKey("5_log10stdev");
        assertExportMatches(net, 0, 1);
    }

    static Stream<IActivation> activations() {
        return Stream.concat(Stream.of(Activation.RELU, Activation.LEAKYRELU, Activation.SIGMOID, Activation.TANH, Activation.RELU6,
                        Activation.HARDTANH, Activation.SOFTMAX, Activation.ELU, Activation.SELU, Activation.SOFTPLUS,
                        Activation.SOFTSIGN, Activation.HARDSIGMOID, Activation.SWISH, Activation.IDENTITY)
                .map(Activation::getActivationFunction),
                Stream.of(new ActivationHardSwish(), new ActivationLReLU(0.3), new ActivationReLU(2.5, 0.0, 0.0)));
    }

    @ParameterizedTest
    @MethodSource("activations")
    void everyActivationFoldedInALayerOrAsALayerOfItsOwnGivesDl4jsValues(IActivation activation) throws Exception {
        var list = new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new DenseLayer.Builder().nIn(6).nOut(9).activation(activation).build())
                .layer(new ActivationLayer.Builder().activation(activation).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(4).activation(activation).build());
        var sequential = new MultiLayerNetwork(list.build());
        sequential.init();
        var net = trained(Network.of(sequential), 2L);
        net.getParam("0_W").muli(4); // pre-activations over about -6..6: both sides of every clip and knee
        byte[] model = assertExportMatches(net, -3, 3);
        long opset = OnnxWriter.write(net).getOpsetImport(0).getVersion();
        assertThat(opset).isEqualTo(activation instanceof ActivationHardSwish ? 14 : 13);
        Path file = work.resolve("activation.onnx");
        Files.write(file, model);
        assertCheckerAccepts(file);
    }

    @Test
    void concatenationSubsetsAndElementWiseVerticesGiveDl4jsValues() throws Exception {
        // no setInputTypes: DL4J 1.0.0-M2.1 infers a SubsetVertex of images to have to - from + 1 channels negated,
        // so every size is given and the first convolutions reshape the flat input themselves
        var image = new FeedForwardToCnnPreProcessor(10, 10, 2);
        var conf = new NeuralNetConfiguration.Builder().seed(5).graphBuilder().addInputs("input")
                .addLayer("a", new ConvolutionLayer.Builder(3, 3).nIn(2).nOut(6).convolutionMode(ConvolutionMode.Same).build(), image, "input")
                .addLayer("b", new ConvolutionLayer.Builder(1, 1).nIn(2).nOut(4).activation(Activation.SIGMOID).build(), image, "input")
                .addVertex("concat", new MergeVertex(), "a", "b")
                // a grouped convolution as an importer writes one: each half of the channels convolved on its own
                .addVertex("low", new SubsetVertex(0, 4), "concat")
                .addVertex("high", new SubsetVertex(5, 9), "concat")
                .addLayer("c", new ConvolutionLayer.Builder(3, 3).nIn(5).nOut(5).convolutionMode(ConvolutionMode.Same).build(), "low")
                .addLayer("d", new ConvolutionLayer.Builder(3, 3).nIn(5).nOut(5).convolutionMode(ConvolutionMode.Same).build(), "high")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "c", "d", "c")
                .addVertex("difference", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "sum", "d")
                .addVertex("product", new ElementWiseVertex(ElementWiseVertex.Op.Product), "difference", "c", "d")
                .addVertex("mean", new ElementWiseVertex(ElementWiseVertex.Op.Average), "product", "c")
                .addVertex("max", new ElementWiseVertex(ElementWiseVertex.Op.Max), "mean", "d")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "max")
                // the flat input read as it is, beside the image
                .addLayer("dense", new DenseLayer.Builder().nIn(200).nOut(8).activation(Activation.LEAKYRELU).build(), "input")
                .addVertex("features", new MergeVertex(), "pool", "dense")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(13).nOut(3)
                        .activation(Activation.IDENTITY).build(), "features")
                .setOutputs("out").build();
        var graph = new ComputationGraph(conf);
        graph.init();
        var net = trained(Network.of(graph), 7L);
        byte[] model = assertExportMatches(net, 0, 1);
        Path file = work.resolve("graph.onnx");
        Files.write(file, model);
        assertCheckerAccepts(file);
    }
}
