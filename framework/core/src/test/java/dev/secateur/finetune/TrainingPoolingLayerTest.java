package dev.secateur.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.Fixtures;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.spec.TrainingSpec;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Max pooling computed in Java while training runs gives DL4J's activations and gradients exactly, pools once a
 * batch, and trains a network to the same bits as DL4J's layer.
 */
class TrainingPoolingLayerTest {

    /** DL4J's pooling layer and its stand-in, each run forward and backward on the same input and gradient. */
    private static void assertPoolsAsDl4j(MultiLayerNetwork net, int layer, INDArray input) {
        var workspaces = LayerWorkspaceMgr.noWorkspaces();
        var dl4j = net.getLayer(layer);
        dl4j.setInput(input, workspaces);
        INDArray expected = dl4j.activate(true, workspaces).dup();
        INDArray delta = Nd4j.rand(DataType.FLOAT, expected.shape()).subi(0.5);
        INDArray expectedGradient = dl4j.backpropGradient(delta, workspaces).getSecond().dup();

        var standIn = TrainingPoolingLayer.standIn(dl4j);
        assertThat(standIn).as("layer " + layer + " stands in").isNotNull();
        standIn.setInput(input, workspaces);
        assertThat(standIn.activate(true, workspaces)).isEqualTo(expected);
        assertThat(standIn.backpropGradient(delta, workspaces).getSecond()).isEqualTo(expectedGradient);
        assertThat(standIn.forwardPasses).as("poolings for one batch").isEqualTo(1);
        assertThat(expectedGradient.amaxNumber().doubleValue()).isPositive();
    }

    @Test
    void lenet5sPoolingsGiveDl4jsActivationsAndGradients() {
        Nd4j.getRandom().setSeed(3);
        var net = Architecture.LENET_5.network(5L, 1e-3).sequential("test");
        var images = Fixtures.smallData().train().sample(16, 3L).features().reshape(16, 1, 28, 28);
        var activations = net.feedForward(images, true);
        for (int i = 0; i < net.getnLayers(); i++) {
            if (net.getLayer(i).conf().getLayer() instanceof SubsamplingLayer) {
                assertPoolsAsDl4j(net, i, activations.get(i)); // feedForward's first entry is the input
            }
        }
    }

    @Test
    void overlappingPaddedWindowsAndTiesGiveDl4jsActivationsAndGradients() {
        Nd4j.getRandom().setSeed(4);
        // 3x3 windows at stride 2 overlap, and Same mode pads them at the edges
        var net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                        .convolutionMode(ConvolutionMode.Same).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(3, 2).stride(1, 2).padding(1, 0).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(11, 9, 3)).build());
        net.init();
        INDArray random = Nd4j.rand(DataType.FLOAT, 4, 3, 11, 9).subi(0.5);
        assertPoolsAsDl4j(net, 0, random);
        assertPoolsAsDl4j(net, 1, random);
        // after a ReLU most windows hold several equal zeros: the gradient goes to the first, as DL4J's does
        INDArray rectified = Transforms.relu(Nd4j.rand(DataType.FLOAT, 4, 3, 11, 9).subi(0.8));
        assertPoolsAsDl4j(net, 0, rectified);
        assertPoolsAsDl4j(net, 1, rectified);
    }

    @Test
    void trainingWithThePoolingStandInsGivesDl4jsWeightsToTheBit() {
        var data = Fixtures.smallData().train().sample(128, 4L);
        var spec = new TrainingSpec(1, 64, 1e-3);
        var ours = Architecture.LENET_5.network(6L, 1e-3);
        var theirs = Architecture.LENET_5.network(6L, 1e-3);
        new FineTuner().train(ours, data, spec, MaskSet.NONE, 1L, TrainingProgressListener.NONE);
        System.setProperty(TrainingPoolingLayer.PROPERTY, "true");
        try {
            new FineTuner().train(theirs, data, spec, MaskSet.NONE, 1L, TrainingProgressListener.NONE);
        } finally {
            System.clearProperty(TrainingPoolingLayer.PROPERTY);
        }
        var initial = Architecture.LENET_5.network(6L, 1e-3).sequential("test").params();
        var trained = ours.sequential("test").params();
        assertThat(trained.sub(initial).amaxNumber().doubleValue()).as("the weights moved").isGreaterThan(1e-4);
        assertThat(trained).isEqualTo(theirs.sequential("test").params());
        for (int i = 0; i < ours.layerCount(); i++) {
            assertThat(ours.layer(i)).as("layer " + i + " after training").isNotInstanceOf(TrainingPoolingLayer.class);
        }
    }

    @Test
    void onlyMaxPoolingOfFloatsStandsInAndOnlyWhileTraining() {
        var lenet5 = Architecture.LENET_5.network(1L, 1e-3);
        try (var swap = TrainingLayers.during(lenet5)) {
            assertThat(lenet5.layer(1)).isInstanceOf(TrainingPoolingLayer.class);
            assertThat(lenet5.layer(3)).isInstanceOf(TrainingPoolingLayer.class);
        }
        assertThat(lenet5.layer(1)).isNotInstanceOf(TrainingPoolingLayer.class);
        System.setProperty(TrainingPoolingLayer.PROPERTY, "true");
        try (var swap = TrainingLayers.during(lenet5)) {
            assertThat(lenet5.layer(1)).as("with DL4J's pooling asked for").isNotInstanceOf(TrainingPoolingLayer.class);
        } finally {
            System.clearProperty(TrainingPoolingLayer.PROPERTY);
        }
        var average = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(2, 2).stride(2, 2).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build());
        average.init();
        try (var swap = TrainingLayers.during(Network.of(average))) {
            assertThat(average.getLayer(1)).as("average pooling").isNotInstanceOf(TrainingPoolingLayer.class);
        }
        var doubles = Network.of(Architecture.LENET_5.network(1L, 1e-3).sequential("test").convertDataType(DataType.DOUBLE));
        try (var swap = TrainingLayers.during(doubles)) {
            assertThat(doubles.layer(1)).as("a double network").isNotInstanceOf(TrainingPoolingLayer.class);
        }
    }
}
