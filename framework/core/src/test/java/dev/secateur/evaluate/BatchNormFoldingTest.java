package dev.secateur.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.Fixtures;
import dev.secateur.model.Architecture;
import dev.secateur.model.Network;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class BatchNormFoldingTest {

    private static INDArray images(int count) {
        return Fixtures.smallData().test().features().get(NDArrayIndex.interval(0, count), NDArrayIndex.all()).dup();
    }

    /**
     * Every normalisation given statistics and an affine far from a fresh layer's (mean 0, deviation 1, gamma 1, beta
     * 0), so that folding them wrongly shows in the outputs.
     */
    private static void unsettle(Network net) {
        var random = Nd4j.getRandomFactory().getNewRandomInstance(11);
        net.paramTable().forEach((key, value) -> {
            String param = key.substring(key.indexOf('_') + 1);
            switch (param) {
                case "mean" -> value.assign(Nd4j.randn(random, value.shape()).muli(0.5));
                case "var" -> value.assign(Nd4j.rand(random, value.shape()).addi(0.2));
                case "log10stdev" -> value.assign(Nd4j.rand(random, value.shape()).subi(0.5).muli(0.6));
                case "gamma" -> value.assign(Nd4j.rand(random, value.shape()).addi(0.5));
                case "beta" -> value.assign(Nd4j.randn(random, value.shape()).muli(0.3));
                default -> {
                }
            }
        });
    }

    private static void assertFoldedGivesTheSameOutputs(Network net, Network folded) {
        INDArray x = images(64);
        INDArray expected = net.output(x);
        INDArray actual = folded.output(x);
        assertThat(actual.sub(expected).amaxNumber().doubleValue()).as("largest difference of a probability").isLessThan(1e-5);
        assertThat(actual.argMax(1).toLongVector()).isEqualTo(expected.argMax(1).toLongVector());
    }

    @Test
    void aResnetGraphFoldsEveryNormalisationIntoItsConvolutionAndAnswersAsBefore() {
        var net = Architecture.RESNET_SMALL.network(5L, 1e-3);
        net.graph().fit(Fixtures.smallData().train().head(200));
        unsettle(net);
        INDArray projection = net.getParam("11_W");
        projection.muli(Nd4j.rand(projection.shape()).gt(0.3).castTo(projection.dataType())); // pruned weights
        INDArray before = net.params().dup();
        Nd4j.getRandom().setSeed(42);
        double next = Nd4j.getRandom().nextDouble();
        Nd4j.getRandom().setSeed(42);

        var folded = BatchNormFolding.fold(net);

        assertThat(Nd4j.getRandom().nextDouble()).as("ND4J's generator, neither reseeded nor drawn from").isEqualTo(next);

        assertThat(folded).isNotNull();
        // eight convolutions, each followed by a normalisation that it alone feeds
        assertThat(folded.layerCount()).isEqualTo(net.layerCount() - 8);
        assertThat(folded.graph().getVertex("1")).isNull();
        assertFoldedGivesTheSameOutputs(net, folded);
        assertThat(net.params()).as("the network folded is left as it was").isEqualTo(before);
        assertThat(net.graph().getVertex("1")).isNotNull();
        // a pruned weight stays zero: its scaled copy is zero too
        INDArray zeros = projection.eq(0).castTo(DataType.FLOAT);
        assertThat(folded.getParam("11_W").mul(zeros).amaxNumber().doubleValue()).isEqualTo(0.0);
        assertThat(zeros.sumNumber().doubleValue()).isGreaterThan(0);
    }

    @Test
    void aSequentialVggFoldsItsFourNormalisationsAndKeepsItsPreprocessorsWhereTheyBelong() {
        var net = Network.of(Architecture.VGG_SMALL.build(4L, 1e-3));
        net.sequential("the test").fit(Fixtures.smallData().train().head(200));
        unsettle(net);
        Nd4j.getRandom().setSeed(43);
        double next = Nd4j.getRandom().nextDouble();
        Nd4j.getRandom().setSeed(43);

        var folded = BatchNormFolding.fold(net);

        assertThat(Nd4j.getRandom().nextDouble()).as("ND4J's generator, neither reseeded nor drawn from").isEqualTo(next);
        assertThat(folded).isNotNull();
        assertThat(folded.layerCount()).isEqualTo(net.layerCount() - 4);
        // the dense layer that reads the pooled images keeps its reshape, now at its new index
        assertThat(folded.sequential("the test").getLayerWiseConfigurations().getInputPreProcessors()).hasSize(
                net.sequential("the test").getLayerWiseConfigurations().getInputPreProcessors().size());
        assertFoldedGivesTheSameOutputs(net, folded);
    }

    @Test
    void theSmallBatchPassIsPlannedFromTheFoldedCopyAndStillGivesDl4jsOutputs() {
        var net = Network.of(Architecture.VGG_SMALL.build(4L, 1e-3));
        net.sequential("the test").fit(Fixtures.smallData().train().head(200));
        unsettle(net);
        INDArray x = images(2);
        try (var pass = SmallBatchForward.of(net)) {
            assertThat(pass.steps()).noneMatch(SmallBatchSteps.ChannelAffine.class::isInstance);
            assertThat(pass.output(x).sub(net.output(x)).amaxNumber().doubleValue()).isLessThan(1e-5);
        }
    }

    @Test
    void aNormalisationKeepingPlainVarianceAndFixedGammaAndBetaFoldsToo() {
        var conf = new NeuralNetConfiguration.Builder().seed(7).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).hasBias(false).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().useLogStd(false).lockGammaBeta(true).gamma(1.5).beta(-0.25).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
        var built = new MultiLayerNetwork(conf);
        built.init();
        var net = Network.of(built);
        unsettle(net);

        var folded = BatchNormFolding.fold(net);

        assertThat(folded.layerCount()).isEqualTo(3);
        assertThat(folded.getParam("0_b")).as("the bias the convolution gains").isNotNull();
        assertFoldedGivesTheSameOutputs(net, folded);
    }

    @Test
    void whereFoldingWouldNotBeExactNothingIsFolded() {
        // a convolution with its own ReLU, and a normalisation after a dense layer
        var conf = new NeuralNetConfiguration.Builder().seed(7).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new DenseLayer.Builder().nOut(12).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
        var sequential = new MultiLayerNetwork(conf);
        sequential.init();
        assertThat(BatchNormFolding.fold(Network.of(sequential))).isNull();
        // a convolution read by its normalisation and by an add as well
        var graph = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(7).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutionalFlat(28, 28, 1))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "conv")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn", "conv")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "add")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build());
        graph.init();
        assertThat(BatchNormFolding.fold(Network.of(graph))).isNull();
        // and a network without normalisation
        assertThat(BatchNormFolding.fold(Network.of(Architecture.LENET_5.build(1L, 1e-3)))).isNull();
    }

    @Test
    void theEvaluatorAnswersThroughTheFoldedCopyWithDl4jsAccuracyAndLoss() {
        var net = Architecture.RESNET_SMALL.network(6L, 1e-3);
        var data = Fixtures.smallData();
        net.graph().fit(data.train().head(300));
        unsettle(net);
        var test = data.test().sample(300, 3L);

        var quality = Evaluator.quality(net, test);
        var unfolded = Evaluator.quality(net::output, test);

        assertThat(BatchNormFolding.forInference(net)).isNotSameAs(net);
        assertThat(quality.accuracy()).isEqualTo(unfolded.accuracy());
        assertThat(quality.loss()).isCloseTo(unfolded.loss(), within(1e-5));
        var lenet = Network.of(Architecture.LENET_5.build(1L, 1e-3));
        assertThat(BatchNormFolding.forInference(lenet)).as("nothing to fold").isSameAs(lenet);
    }
}
