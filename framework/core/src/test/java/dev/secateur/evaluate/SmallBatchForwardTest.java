package dev.secateur.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.Fixtures;
import dev.secateur.data.InputShape;
import dev.secateur.model.Architecture;
import dev.secateur.model.Network;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class SmallBatchForwardTest {

    /** The small-batch pass against DL4J's own output, example by example: the same probabilities up to float rounding. */
    private static void assertSameOutputs(Network net, INDArray x) {
        var pass = SmallBatchForward.of(net);
        assertThat(pass).as(SmallBatchForward.unsupported(net)).isNotNull();
        INDArray expected = net.output(x);
        INDArray actual = pass.output(x);
        assertThat(actual.shape()).isEqualTo(expected.shape());
        assertThat(actual.sub(expected).amaxNumber().doubleValue()).as("largest difference").isLessThan(1e-5);
        assertThat(actual.argMax(1).toLongVector()).isEqualTo(expected.argMax(1).toLongVector());
    }

    @Test
    void aTrainedAndPrunedLenet300GivesDl4jsOutputsAtBatchOneAndEight() {
        var data = Fixtures.smallData();
        var trained = Architecture.LENET_300_100.build(3L, 1e-3);
        trained.fit(data.train().head(1000));
        var net = Network.of(trained);
        // half of the first layer's weights and a whole hidden unit pruned: zero rows and columns in the copy too
        INDArray w0 = net.getParam("0_W");
        w0.muli(Nd4j.rand(w0.shape()).gt(0.5).castTo(w0.dataType()));
        net.getParam("1_W").getRow(7).assign(0);
        for (int batch : new int[]{1, 8}) {
            assertSameOutputs(net, data.test().features().get(NDArrayIndex.interval(0, batch), NDArrayIndex.all()).dup());
        }
    }

    @Test
    void anMlpOfDeclaredWidthsGivesDl4jsOutputs() {
        var data = Fixtures.smallData();
        var net = Architecture.MLP.network(4L, 1e-3, new Architecture.Sizing(InputShape.features(784), 10, List.of(64, 32, 16)));
        net.sequential("the test").fit(data.train().head(500));
        assertSameOutputs(net, data.test().features().get(NDArrayIndex.interval(0, 4), NDArrayIndex.all()).dup());
    }

    @Test
    void theWeightsAreCopiedWhenThePassIsMadeSoALaterChangeNeedsANewOne() {
        var data = Fixtures.smallData();
        var net = Network.of(Architecture.LENET_300_100.build(5L, 1e-3));
        INDArray x = data.test().features().get(NDArrayIndex.interval(0, 1), NDArrayIndex.all()).dup();
        var made = SmallBatchForward.of(net);
        var before = made.output(x);
        net.getParam("2_b").putScalar(0, 5.0); // one class favoured: a shift of every bias would leave the softmax as it was
        assertThat(made.output(x)).as("the pass made before the change keeps its copy").isEqualTo(before);
        assertThat(SmallBatchForward.of(net).output(x)).isNotEqualTo(before);
        assertThat(SmallBatchForward.of(net).output(x).sub(net.output(x)).amaxNumber().doubleValue()).isLessThan(1e-5);
    }

    @Test
    void convolutionsAndGraphsHaveNoSuchPassAndSayWhy() {
        assertThat(SmallBatchForward.unsupported(Network.of(Architecture.LENET_5.build(1L, 1e-3)))).isEqualTo("layer 0 is a ConvolutionLayer");
        assertThat(SmallBatchForward.of(Architecture.RESNET_SMALL.network(1L, 1e-3))).isNull();
        assertThat(SmallBatchForward.unsupported(Architecture.RESNET_SMALL.network(1L, 1e-3))).isEqualTo("it is a graph");
    }

    @Test
    void inputsOfTheWrongWidthAreRefusedNamingTheShape() {
        var pass = SmallBatchForward.of(Network.of(Architecture.LENET_300_100.build(1L, 1e-3)));
        assertThatThrownBy(() -> pass.output(Nd4j.zeros(2, 100))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[2, 100]").hasMessageContaining("expected [batch, 784]");
    }

    /** A dense layer of the given activation and layer normalisation between 784 inputs and a softmax output. */
    private static Network perceptron(IActivation activation, boolean layerNorm) {
        var conf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(32).activation(activation).hasLayerNorm(layerNorm).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(32).nOut(10).activation(Activation.SOFTMAX).build())
                .build();
        var net = new MultiLayerNetwork(conf);
        net.init();
        return Network.of(net);
    }

    @Test
    void aReluWithACapThresholdOrSlopeAndLayerNormalisationHaveNoSuchPass() {
        assertThat(SmallBatchForward.unsupported(perceptron(new ActivationReLU(), false))).isNull();
        assertThat(SmallBatchForward.unsupported(perceptron(new ActivationReLU(6.0, null, null), false))).startsWith("layer 0 has activation");
        assertThat(SmallBatchForward.unsupported(perceptron(new ActivationReLU(null, 0.5, null), false))).startsWith("layer 0 has activation");
        assertThat(SmallBatchForward.unsupported(perceptron(new ActivationReLU(null, null, 0.1), false))).startsWith("layer 0 has activation");
        assertThat(SmallBatchForward.unsupported(perceptron(new ActivationReLU(), true))).isEqualTo("layer 0 has layer normalisation");
    }

    @Test
    void theEvaluatorTimesPerceptronsUpToFourExamplesThroughThePassAndEverythingElseThroughDl4j() {
        var lenet300 = Network.of(Architecture.LENET_300_100.build(1L, 1e-3));
        assertThat(Evaluator.smallBatchPass(lenet300, 1)).isNotNull();
        assertThat(Evaluator.smallBatchPass(lenet300, 4)).isNotNull();
        assertThat(Evaluator.smallBatchPass(lenet300, 5)).isNull();
        assertThat(Evaluator.smallBatchPass(Network.of(Architecture.LENET_5.build(1L, 1e-3)), 1)).isNull();
    }
}
