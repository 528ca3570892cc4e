package dev.secateur.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.Fixtures;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.spec.TrainingSpec;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Convolutions trained without re-running their forward pass, and the one reading the network's input without an input
 * gradient, get the gradients DL4J's layers compute, and stand in only while training runs.
 */
class TrainingConvolutionLayerTest {

    /** Every parameter's gradient for one batch, by name ({@code 0_W}, {@code conv1_b}, ...). */
    private static Map<String, INDArray> gradients(Network net, DataSet batch) {
        Map<String, INDArray> out = new HashMap<>();
        if (net.isGraph()) {
            var graph = net.graph();
            graph.setInputs(batch.getFeatures());
            graph.setLabels(batch.getLabels());
            graph.computeGradientAndScore();
            graph.gradient().gradientForVariable().forEach((name, g) -> out.put(name, g.dup()));
        } else {
            var sequential = net.sequential("test");
            sequential.setInput(batch.getFeatures());
            sequential.setLabels(batch.getLabels());
            sequential.computeGradientAndScore();
            sequential.gradient().gradientForVariable().forEach((name, g) -> out.put(name, g.dup()));
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"LENET_5", "RESNET_SMALL"})
    void theGradientsAreDl4jsWithoutTheSecondForwardPassOrTheFirstConvolutionsInputGradient(Architecture architecture) {
        var net = architecture.network(5L, 1e-3);
        assertGradientsAsDl4js(net, true);
    }

    @Test
    void anInputConvolutionWithAReluGetsDl4jsGradientsToo() {
        var net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).stride(2, 2).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build());
        net.init();
        assertGradientsAsDl4js(Network.of(net), false);
    }

    @Test
    void colourImagesWithPaddingStrideAndDilationGetDl4jsGradients() {
        // three channels, so a wrong channel offset or tap order shows; explicit padding, a stride and a dilation
        // (libnd4j's oneDNN cannot make a dilated convolution of this shape: DL4J logs an ERROR for its forward pass
        // and falls back to its own, which is then what the stand-in is checked against)
        var net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(2).updater(new Adam(1e-3)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nIn(3).nOut(5).padding(2, 1).stride(2, 1).dilation(2, 2)
                        .activation(Activation.IDENTITY).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(13, 11, 3)).build());
        net.init();
        var images = Nd4j.rand(DataType.FLOAT, 6, 3, 13, 11).subi(0.5);
        var labels = Nd4j.zeros(DataType.FLOAT, 6, 10);
        for (int i = 0; i < 6; i++) {
            labels.putScalar(i, i % 10, 1);
        }
        assertGradientsAsDl4js(Network.of(net), true, new DataSet(images, labels), images);
    }

    @Test
    void patchesBuiltAFewExamplesAtATimeGiveTheSameGradients() {
        long patchFloats = TrainingConvolutionLayer.patchFloats;
        TrainingConvolutionLayer.patchFloats = 3 * 24 * 24 * 25; // LeNet-5's first layer: 3 of the 32 examples at a time
        try {
            assertGradientsAsDl4js(Architecture.LENET_5.network(5L, 1e-3), true);
        } finally {
            TrainingConvolutionLayer.patchFloats = patchFloats;
        }
    }

    /**
     * One batch's gradients with the stand-ins equal DL4J's: the first convolution's to float rounding, the others
     * exactly; each stand-in runs its convolution forward once, and the first hands back a zero input gradient.
     */
    private static void assertGradientsAsDl4js(Network net, boolean everyConvolution) {
        var data = Fixtures.smallData().train().sample(32, 3L);
        assertGradientsAsDl4js(net, everyConvolution, new DataSet(data.features(), data.labels()), data.features().reshape(32, 1, 28, 28));
    }

    private static void assertGradientsAsDl4js(Network net, boolean everyConvolution, DataSet batch, INDArray images) {
        var dl4j = gradients(net, batch);
        Map<String, INDArray> standIn;
        try (var swap = TrainingConvolutionLayer.during(net)) {
            assertThat(net.layer(0)).isInstanceOf(TrainingConvolutionLayer.class);
            long convolutions = 0;
            long standIns = 0;
            for (int i = 0; i < net.layerCount(); i++) {
                convolutions += net.layer(i).conf().getLayer() instanceof ConvolutionLayer ? 1 : 0;
                standIns += net.layer(i) instanceof TrainingConvolutionLayer ? 1 : 0;
            }
            assertThat(standIns).as("convolutions standing in").isGreaterThan(1);
            if (everyConvolution) {
                assertThat(standIns).as("every convolution stands in").isEqualTo(convolutions);
            }
            standIn = gradients(net, batch);
            for (int i = 0; i < net.layerCount(); i++) {
                if (net.layer(i) instanceof TrainingConvolutionLayer layer) {
                    // a ReLU's derivative needs the pre-activation, which DL4J computes again
                    boolean identity = ((ConvolutionLayer) layer.conf().getLayer()).getActivationFn() instanceof ActivationIdentity;
                    assertThat(layer.forwardPasses).as("forward passes of layer " + i + " for one batch").isEqualTo(identity ? 1 : 2);
                }
            }
            // the input gradient of the first convolution, which no layer reads, is not computed
            var first = net.layer(0);
            var workspaces = LayerWorkspaceMgr.noWorkspaces();
            first.setInput(images, workspaces);
            var output = first.activate(true, workspaces);
            var inputGradient = first.backpropGradient(output.dup().assign(1), workspaces).getSecond();
            assertThat(inputGradient.shape()).containsExactly(images.shape());
            assertThat(inputGradient.amaxNumber().doubleValue()).as("input gradient").isZero();
        }
        for (int i = 0; i < net.layerCount(); i++) {
            assertThat(net.layer(i)).as("layer " + i + " after the swap").isNotInstanceOf(TrainingConvolutionLayer.class);
        }
        assertThat(standIn.keySet()).isEqualTo(dl4j.keySet());
        String first = net.isGraph() ? net.graph().getLayers()[0].conf().getLayer().getLayerName() + "_" : "0_";
        dl4j.forEach((name, expected) -> {
            var actual = standIn.get(name);
            if (name.startsWith(first)) {
                // other sums of the same products: equal to float rounding
                double scale = expected.amaxNumber().doubleValue();
                assertThat(actual.sub(expected).amaxNumber().doubleValue()).as(name).isLessThanOrEqualTo(1e-5 * scale);
                assertThat(scale).as(name + " is not all zeros").isPositive();
            } else {
                // the same backward pass as DL4J's, without its second forward pass
                assertThat(actual).as(name).isEqualTo(expected);
            }
        });
    }

    @Test
    void aNetworkFirstFittedWithStandInsFitsAfterwardsWithDl4jsLayersAsDl4jAloneDoes() {
        var data = Fixtures.smallData().train().sample(64, 7L);
        var batch = new DataSet(data.features(), data.labels());
        var ours = Architecture.LENET_5.network(8L, 1e-3).sequential("test");
        var theirs = Architecture.LENET_5.network(8L, 1e-3).sequential("test");
        // no fit yet: the network gives the stand-ins the gradient views, and the layers they stood in for get them back
        try (var swap = TrainingConvolutionLayer.during(Network.of(ours))) {
            ours.fit(batch);
        }
        theirs.fit(batch);
        var afterOne = ours.getParam("0_W").dup();
        ours.fit(batch);
        theirs.fit(batch);
        assertThat(ours.getParam("0_W").sub(afterOne).amaxNumber().doubleValue()).as("layer 0 learns in the second fit").isGreaterThan(1e-4);
        assertThat(ours.params().sub(theirs.params()).amaxNumber().doubleValue()).isLessThan(1e-4);
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"LENET_5", "RESNET_SMALL"})
    void trainingWithStandInsMovesEveryWeightAsDl4jDoesUpToRounding(Architecture architecture) {
        var data = Fixtures.smallData().train().sample(128, 4L);
        var spec = new TrainingSpec(1, 64, 1e-3);
        var start = architecture.network(6L, 1e-3);
        var ours = architecture.network(6L, 1e-3);
        var theirs = architecture.network(6L, 1e-3);
        // twice: stand-ins made again for a network that has trained
        for (int round = 0; round < 2; round++) {
            new FineTuner().train(ours, data, spec, MaskSet.NONE, 1L, TrainingProgressListener.NONE);
            System.setProperty(TrainingConvolutionLayer.PROPERTY, "true");
            try {
                new FineTuner().train(theirs, data, spec, MaskSet.NONE, 1L, TrainingProgressListener.NONE);
            } finally {
                System.clearProperty(TrainingConvolutionLayer.PROPERTY);
            }
        }
        for (int i = 0; i < ours.layerCount(); i++) {
            assertThat(ours.layer(i)).as("layer " + i + " after training").isNotInstanceOf(TrainingConvolutionLayer.class);
        }
        var initial = paramTable(start);
        var dl4j = paramTable(theirs);
        paramTable(ours).forEach((name, value) -> {
            if (name.endsWith("_W")) {
                // four Adam steps move a weight by up to about 4e-3; rounding, by far less (a bias that a batch
                // normalisation cancels has a gradient near 0, whose sign rounding can flip, so only weights)
                assertThat(value.sub(initial.get(name)).amaxNumber().doubleValue()).as(name + " moved").isGreaterThan(5e-4);
                assertThat(value.sub(dl4j.get(name)).amaxNumber().doubleValue()).as(name + " against DL4J's").isLessThan(2e-4);
            }
        });
    }

    private static Map<String, INDArray> paramTable(Network net) {
        return net.isGraph() ? net.graph().paramTable() : net.sequential("test").paramTable();
    }

    @Test
    void onlyPlainConvolutionsStandIn() {
        var mlp = Architecture.LENET_300_100.network(1L, 1e-3);
        try (var swap = TrainingConvolutionLayer.during(mlp)) {
            assertThat(mlp.layer(0)).isNotInstanceOf(TrainingConvolutionLayer.class);
        }
        var lenet5 = Architecture.LENET_5.network(1L, 1e-3);
        System.setProperty(TrainingConvolutionLayer.PROPERTY, "true");
        try (var swap = TrainingConvolutionLayer.during(lenet5)) {
            assertThat(lenet5.layer(0)).as("with DL4J's layers asked for").isNotInstanceOf(TrainingConvolutionLayer.class);
        } finally {
            System.clearProperty(TrainingConvolutionLayer.PROPERTY);
        }
        // dropout on the input: DL4J's own backward pass; a ReLU needs the pre-activation DL4J recomputes; an
        // identity further up does not
        var mixed = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).dropOut(0.5).activation(Activation.IDENTITY).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build());
        mixed.init();
        try (var swap = TrainingConvolutionLayer.during(Network.of(mixed))) {
            assertThat(mixed.getLayer(0)).isNotInstanceOf(TrainingConvolutionLayer.class);
            assertThat(mixed.getLayer(1)).isNotInstanceOf(TrainingConvolutionLayer.class);
            assertThat(mixed.getLayer(2)).isInstanceOf(TrainingConvolutionLayer.class);
        }
        assertThat(mixed.getLayer(2)).isNotInstanceOf(TrainingConvolutionLayer.class);
    }
}
