package dev.secateur.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.secateur.Fixtures;
import dev.secateur.data.InputShape;
import dev.secateur.model.Architecture;
import dev.secateur.model.Network;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ConvolutionUtils;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

class SmallBatchForwardTest {

    /** The small-batch pass against DL4J's own output, example by example: the same probabilities up to float rounding. */
    private static void assertSameOutputs(Network net, INDArray x) {
        // as it runs, with batch normalisation folded into its convolutions, and with every normalisation a step
        for (boolean folded : new boolean[]{true, false}) {
            INDArray actual;
            try (var pass = folded ? SmallBatchForward.of(net) : SmallBatchForward.unfolded(net)) {
                assertThat(pass).as(() -> SmallBatchForward.unsupported(net)).isNotNull();
                actual = pass.output(x);
            }
            INDArray expected = net.output(x);
            assertThat(actual.shape()).isEqualTo(expected.shape());
            assertThat(actual.sub(expected).amaxNumber().doubleValue()).as("largest difference, folded %s", folded).isLessThan(1e-5);
            assertThat(actual.argMax(1).toLongVector()).isEqualTo(expected.argMax(1).toLongVector());
        }
    }

    @Test
    void aTrainedAndPrunedLenet300GivesDl4jsOutputsAtBatchOneAndEight() {
        var data = Fixtures.smallData();
        var net = trainedAndPrunedLenet300();
        for (int batch : new int[]{1, 8}) {
            assertSameOutputs(net, data.test().features().get(NDArrayIndex.interval(0, batch), NDArrayIndex.all()).dup());
        }
    }

    /** LeNet-300-100 after one step on 1,000 images, with half its first layer's weights and a hidden unit pruned. */
    private static Network trainedAndPrunedLenet300() {
        var trained = Architecture.LENET_300_100.build(3L, 1e-3);
        trained.fit(Fixtures.smallData().train().head(1000));
        var net = Network.of(trained);
        // zero rows and columns in the pass's copy too
        INDArray w0 = net.getParam("0_W");
        w0.muli(Nd4j.rand(w0.shape()).gt(0.5).castTo(w0.dataType()));
        net.getParam("1_W").getRow(7).assign(0);
        return net;
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

    /** A network trained on a few hundred images, so that batch normalisation's statistics and the weights are not their initial ones. */
    private static Network trained(Network net, int examples) {
        var data = Fixtures.smallData();
        if (net.isGraph()) {
            net.graph().fit(data.train().head(examples));
        } else {
            net.sequential("the test").fit(data.train().head(examples));
        }
        return net;
    }

    private static INDArray images(int count) {
        return Fixtures.smallData().test().features().get(NDArrayIndex.interval(0, count), NDArrayIndex.all()).dup();
    }

    @Test
    void aTrainedLenet5WithPrunedWeightsAndAFilterRemovedByMaskGivesDl4jsOutputs() {
        var net = trained(Network.of(Architecture.LENET_5.build(3L, 1e-3)), 300);
        INDArray conv2 = net.getParam("2_W");
        conv2.muli(Nd4j.rand(conv2.shape()).gt(0.5).castTo(conv2.dataType()));
        conv2.get(NDArrayIndex.point(3), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).assign(0);
        net.getParam("2_b").putScalar(3, 0.0);
        net.getParam("0_W").get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).assign(0);
        assertThat(SmallBatchForward.of(net).convolutional()).isTrue();
        for (int batch : new int[]{1, 3}) {
            assertSameOutputs(net, images(batch));
        }
    }

    /** {@code w} with all but its largest {@code kept} share of weights (by magnitude) set to zero, as unstructured pruning leaves it. */
    private static void keepLargest(INDArray w, double kept) {
        double[] magnitudes = Transforms.abs(w).data().asDouble();
        Arrays.sort(magnitudes);
        double threshold = magnitudes[(int) ((1 - kept) * magnitudes.length)];
        w.muli(Transforms.abs(w).gte(threshold).castTo(w.dataType()));
    }

    @Test
    void convolutionsKeepingFewWeightsAreSummedInJavaOverTheKeptOnesAndGiveDl4jsOutputs() {
        var net = trained(Network.of(Architecture.LENET_5.build(8L, 1e-3)), 300);
        keepLargest(net.getParam("0_W"), 0.5);
        keepLargest(net.getParam("2_W"), 0.1);
        var convolutions = SmallBatchForward.of(net).steps().stream()
                .filter(SmallBatchConvolution.class::isInstance).map(SmallBatchConvolution.class::cast).toList();
        assertThat(convolutions).extracting(SmallBatchConvolution::sparse).containsExactly(false, true);
        assertSameOutputs(net, images(1));
        assertSameOutputs(net, images(2));
    }

    @Test
    void bothWaysOfSummingAConvolutionAgreeWithPaddingStridesAndUnusedInputChannels() {
        var random = new Random(9);
        var in = new SmallBatchSteps.Shape(3, 9, 7);
        var out = new SmallBatchSteps.Shape(4, 5, 4); // 3×3, stride 2, Same: ceil(9/2) × ceil(7/2)
        float[] weights = new float[4 * 3 * 3 * 3];
        for (int i = 0; i < weights.length; i++) {
            // input channel 1 has no weight left: its taps are never gathered
            weights[i] = (i / 9) % 3 == 1 || random.nextDouble() < 0.4 ? 0f : (float) random.nextGaussian();
        }
        float[] bias = {0.5f, -0.25f, 0f, 1f};
        float[][][] x = new float[2][3][63];
        for (float[][] example : x) {
            for (float[] plane : example) {
                for (int i = 0; i < plane.length; i++) {
                    plane[i] = (float) random.nextGaussian();
                }
            }
        }
        int[] padding = ConvolutionUtils.getSameModeTopLeftPadding(new int[]{5, 4}, new int[]{9, 7}, new int[]{3, 3}, new int[]{2, 2}, new int[]{1, 1});
        float[][][] dense = new SmallBatchConvolution(in, out, new int[]{3, 3}, new int[]{2, 2}, new int[]{1, 1}, padding, weights, bias,
                SmallBatchSteps.Activation.RELU, false).apply(x);
        float[][][] sparse = new SmallBatchConvolution(in, out, new int[]{3, 3}, new int[]{2, 2}, new int[]{1, 1}, padding, weights, bias,
                SmallBatchSteps.Activation.RELU, true).apply(x);
        // and by hand, at one position of the second example: output channel 2, row 0, column 3 (padding above)
        double byHand = bias[2];
        for (int ci = 0; ci < 3; ci++) {
            for (int ky = 0; ky < 3; ky++) {
                for (int kx = 0; kx < 3; kx++) {
                    int iy = ky - padding[0];
                    int ix = 3 * 2 + kx - padding[1];
                    if (iy >= 0 && iy < 9 && ix >= 0 && ix < 7) {
                        byHand += weights[((2 * 3 + ci) * 3 + ky) * 3 + kx] * x[1][ci][iy * 7 + ix];
                    }
                }
            }
        }
        assertThat(sparse[1][2][3]).isCloseTo((float) Math.max(byHand, 0), offset(1e-5f));
        for (int row = 0; row < 2; row++) {
            for (int c = 0; c < 4; c++) {
                assertThat(sparse[row][c]).hasSize(20);
                for (int i = 0; i < 20; i++) {
                    assertThat(sparse[row][c][i]).as("example %d channel %d position %d", row, c, i).isCloseTo(dense[row][c][i], offset(1e-5f));
                }
            }
        }
    }

    @Test
    void aVggWithBatchNormalisationGivesDl4jsOutputs() {
        var net = trained(Network.of(Architecture.VGG_SMALL.build(4L, 1e-3)), 200);
        // DL4J 1.0.0-M2.1's batch normalisation ignores the ReLU declared on it, and the pass does as DL4J does
        assertThat(((BaseLayer) net.layer(1).conf().getLayer()).getActivationFn().toString()).isEqualTo("relu");
        assertThat(net.layerOutputs(images(1)).get(1).minNumber().doubleValue()).isLessThan(0);
        assertSameOutputs(net, images(1));
        assertSameOutputs(net, images(2));
    }

    @Test
    void aResnetGraphWithStridedConvolutionsAndResidualAddsGivesDl4jsOutputs() {
        var net = trained(Architecture.RESNET_SMALL.network(5L, 1e-3), 200);
        INDArray projection = net.getParam("11_W");
        projection.muli(Nd4j.rand(projection.shape()).gt(0.3).castTo(projection.dataType()));
        assertSameOutputs(net, images(1));
        assertSameOutputs(net, images(4));
    }

    @Test
    void paddedConvolutionsOnSmallImagesGiveDl4jsOutputs() {
        // LeNet-5 on 8×8 images pads its 5×5 convolutions to keep their input's size (DL4J's Same mode)
        var net = Network.of(Architecture.LENET_5.build(6L, 1e-3, new Architecture.Sizing(InputShape.image(1, 8, 8), 10, List.of())));
        assertSameOutputs(net, Nd4j.rand(DataType.FLOAT, 2, 64));
        // and as images, [batch, channels, height, width]
        assertSameOutputs(net, Nd4j.rand(DataType.FLOAT, 1, 1, 8, 8));
    }

    @Test
    void explicitPaddingStridesAveragePoolingAndPlainVarianceGiveDl4jsOutputs() {
        var conf = new NeuralNetConfiguration.Builder().seed(7).list()
                .layer(new ConvolutionLayer.Builder(3, 3).stride(2, 2).padding(1, 1).nOut(6).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().useLogStd(false).activation(Activation.IDENTITY).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(3, 3).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(2, 3).stride(1, 2).nOut(5).activation(Activation.IDENTITY).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 2))
                .build();
        var built = new MultiLayerNetwork(conf);
        built.init();
        var net = Network.of(built);
        var x = Nd4j.rand(DataType.FLOAT, 64, 2 * 28 * 28);
        built.fit(x, Nd4j.eye(10).repeat(0, 7).get(NDArrayIndex.interval(0, 64), NDArrayIndex.all()));
        assertSameOutputs(net, x.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()).dup());
    }

    @Test
    void aGraphAnswersFromItsOutputVertexEvenWhenAVertexThatFeedsNothingComesLater() {
        var conf = new NeuralNetConfiguration.Builder().seed(2).graphBuilder().allowDisconnected(true).addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(6).nOut(8).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3).activation(Activation.SOFTMAX).build(), "hidden")
                .addLayer("unused", new DenseLayer.Builder().nIn(8).nOut(5).activation(Activation.IDENTITY).build(), "hidden")
                .setOutputs("out").build();
        var graph = new ComputationGraph(conf);
        graph.init();
        var net = Network.of(graph);
        assertThat(SmallBatchForward.of(net).steps()).hasSize(2);
        assertSameOutputs(net, Nd4j.rand(DataType.FLOAT, 2, 6));
    }

    @Test
    void aOneChannelImageOfHeightOneIsNormalisedAsAnImageAndARowIsNeverPooledAsOne() {
        var conf = new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new ConvolutionLayer.Builder(1, 3).nOut(1).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(1, 28, 1)).build();
        var built = new MultiLayerNetwork(conf);
        built.init();
        var x = Nd4j.rand(DataType.FLOAT, 32, 28);
        built.fit(x, Nd4j.eye(4).repeat(0, 8));
        assertSameOutputs(Network.of(built), x.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()).dup());

        var rowPooled = new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new DenseLayer.Builder().nIn(8).nOut(6).activation(Activation.RELU).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(2).activation(Activation.SOFTMAX).build())
                .build();
        var pooled = new MultiLayerNetwork(rowPooled);
        pooled.init();
        // DL4J reads the row as a sequence here, which the pass does not: refused, never averaged as an image
        assertThat(SmallBatchForward.unsupported(Network.of(pooled))).isEqualTo("layer 1 has the input preprocessor FeedForwardToRnnPreProcessor");
    }

    @Test
    void layersAndVerticesItDoesNotKnowHaveNoSuchPassAndSayWhy() {
        var merge = new NeuralNetConfiguration.Builder().seed(1).graphBuilder().addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(4).nOut(3).activation(Activation.RELU).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nIn(4).nOut(3).activation(Activation.RELU).build(), "in")
                .addVertex("joined", new MergeVertex(), "a", "b")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(2).activation(Activation.SOFTMAX).build(), "joined")
                .setOutputs("out").build();
        var graph = new ComputationGraph(merge);
        graph.init();
        assertThat(SmallBatchForward.unsupported(Network.of(graph))).isEqualTo("vertex joined is a MergeVertex");
        assertThat(SmallBatchForward.of(Network.of(graph))).isNull();

        var separable = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new SeparableConvolution2D.Builder(3, 3).nOut(4).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build();
        var net = new MultiLayerNetwork(separable);
        net.init();
        assertThat(SmallBatchForward.unsupported(Network.of(net))).isEqualTo("layer 0 is a SeparableConvolution2D");

        var maxPooledSame = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(3, 3).stride(2, 2).convolutionMode(ConvolutionMode.Same).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build();
        var pooled = new MultiLayerNetwork(maxPooledSame);
        pooled.init();
        assertThat(SmallBatchForward.unsupported(Network.of(pooled))).startsWith("layer 0 is a MAX pooling with padding");
    }

    @Test
    void aClosedPassFreesItsMemoryAndAnswersNothingMoreAndTwoThreadsShareAnOpenOne() throws Exception {
        var net = trained(Architecture.RESNET_SMALL.network(12L, 1e-3), 100);
        var pass = SmallBatchForward.of(net);
        INDArray one = images(1);
        INDArray expected = net.output(one);
        // two threads at once: each call takes the kept working memory or makes its own, never shares it
        var pool = Executors.newFixedThreadPool(2);
        try {
            var answers = new ArrayList<Future<INDArray>>();
            for (int i = 0; i < 40; i++) {
                answers.add(pool.submit(() -> pass.output(one)));
            }
            for (var answer : answers) {
                assertThat(answer.get().sub(expected).amaxNumber().doubleValue()).isLessThan(1e-5);
            }
        } finally {
            pool.shutdownNow();
        }
        pass.close();
        pass.close(); // twice is harmless
        assertThatThrownBy(() -> pass.output(one)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aPassClosedWhileOtherThreadsRunItKeepsItsMemoryUntilTheirCallsReturn() throws Exception {
        var net = trainedAndPrunedLenet300();
        INDArray x = Fixtures.smallData().test().features().get(NDArrayIndex.interval(0, 400), NDArrayIndex.all());
        INDArray expected = net.output(x);
        var pass = SmallBatchForward.of(net);
        var started = new CountDownLatch(2);
        var pool = Executors.newFixedThreadPool(2);
        try {
            var callers = new ArrayList<Future<Integer>>();
            for (int t = 0; t < 2; t++) {
                callers.add(pool.submit(() -> {
                    // each thread calls until the pass refuses; every answer before that is the network's
                    int answered = 0;
                    while (true) {
                        INDArray out;
                        try {
                            out = pass.output(x);
                        } catch (IllegalStateException refused) {
                            assertThat(refused).hasMessageContaining("closed");
                            return answered;
                        }
                        assertThat(out.sub(expected).amaxNumber().doubleValue()).isLessThan(1e-5);
                        if (++answered == 3) {
                            started.countDown();
                        }
                    }
                }));
            }
            // a caller that failed before its third answer would never count down: its failure is reported instead
            while (!started.await(100, TimeUnit.MILLISECONDS)) {
                for (var caller : callers) {
                    if (caller.isDone()) {
                        caller.get();
                        throw new AssertionError("a caller stopped before the pass was closed");
                    }
                }
            }
            assertThat(pass.freed()).isFalse();
            pass.close(); // while both threads are calling: their running calls finish on the memory they started with
            for (var caller : callers) {
                assertThat(caller.get()).isGreaterThanOrEqualTo(3);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(pass.freed()).isTrue();
    }

    @Test
    void aDenseStepComputesTheSameFromWeightsInEitherOrderAndAsDoubles() {
        INDArray w = Nd4j.rand(DataType.FLOAT, 5, 3); // [inputs, outputs], row-major: not as DL4J lays them out
        float[] bias = {0.1f, -0.2f, 0.3f};
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 5);
        INDArray expected = x.mmul(w).addRowVector(Nd4j.createFromArray(bias));
        float[][][] rows = new float[4][][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = new float[][]{x.getRow(r).toFloatVector()};
        }
        for (INDArray weights : List.of(w, w.dup('f'), w.castTo(DataType.DOUBLE))) {
            var step = new SmallBatchDense(weights, bias, SmallBatchSteps.Activation.IDENTITY);
            try {
                float[][][] all = step.apply(rows);
                float[][][] one = step.apply(new float[][][]{rows[2]}); // a matrix-vector product
                for (int r = 0; r < rows.length; r++) {
                    assertThat(all[r][0]).containsExactly(expected.getRow(r).toFloatVector(), offset(1e-5f));
                }
                assertThat(one[0][0]).containsExactly(expected.getRow(2).toFloatVector(), offset(1e-5f));
            } finally {
                step.release();
            }
        }
    }

    @Test
    void inputsOfTheWrongWidthAreRefusedNamingTheShape() {
        var pass = SmallBatchForward.of(Network.of(Architecture.LENET_300_100.build(1L, 1e-3)));
        assertThatThrownBy(() -> pass.output(Nd4j.zeros(2, 100))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[2, 100]").hasMessageContaining("expected [batch, 784]");
        var images = SmallBatchForward.of(Network.of(Architecture.LENET_5.build(1L, 1e-3)));
        assertThatThrownBy(() -> images.output(Nd4j.zeros(1, 1, 20, 20))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[1, 1, 20, 20]").hasMessageContaining("expected [batch, 784] or [batch, 1, 28, 28]");
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
    void theEvaluatorRunsAPerceptronThroughThePassAtAnyBatchAndOtherNetworksOnlyAtSmallOnes() {
        var lenet300 = Network.of(Architecture.LENET_300_100.build(1L, 1e-3));
        var lenet5 = Network.of(Architecture.LENET_5.build(1L, 1e-3));
        var residual = residualPerceptron();
        for (int batch : new int[]{1, 4, 5, 8, 256, 1000}) {
            assertThat(smallBatchPassFor(lenet300, batch)).as("LeNet-300-100 at batch %d", batch).isTrue();
        }
        assertThat(smallBatchPassFor(lenet5, 1)).isTrue();
        assertThat(smallBatchPassFor(lenet5, Evaluator.SMALL_CONVOLUTIONAL_BATCH)).isTrue();
        assertThat(smallBatchPassFor(lenet5, Evaluator.SMALL_CONVOLUTIONAL_BATCH + 1)).isFalse();
        // dense layers joined by an add are answered an example at a time, which pays only for a few
        assertThat(smallBatchPassFor(residual, Evaluator.SMALL_BATCH)).isTrue();
        assertThat(smallBatchPassFor(residual, Evaluator.SMALL_BATCH + 1)).isFalse();
    }

    /** 784 inputs, two dense layers of 16 whose outputs are added, and a softmax output: dense, but not a chain. */
    private static Network residualPerceptron() {
        var conf = new NeuralNetConfiguration.Builder().seed(2).graphBuilder().addInputs("in")
                .addLayer("a", new DenseLayer.Builder().nIn(784).nOut(16).activation(Activation.RELU).build(), "in")
                .addLayer("b", new DenseLayer.Builder().nIn(16).nOut(16).activation(Activation.RELU).build(), "a")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a", "b")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(10).activation(Activation.SOFTMAX).build(), "add")
                .setOutputs("out").setInputTypes(InputType.feedForward(784)).build();
        var graph = new ComputationGraph(conf);
        graph.init();
        return Network.of(graph);
    }

    @Test
    void aPerceptronAnswersABatchOfRowsReadInPlaceFromALargerMatrixAsDl4jDoes() {
        var data = Fixtures.smallData();
        var net = trainedAndPrunedLenet300();
        // rows 100 to 399 of the test images, read where they lie; then the same rows in other layouts and types
        INDArray rows = data.test().features().get(NDArrayIndex.interval(100, 400), NDArrayIndex.all());
        assertThat(rows.isView()).isTrue();
        assertSameOutputs(net, rows);
        assertSameOutputs(net, rows.dup('f'));
        assertSameOutputs(net, rows.castTo(DataType.DOUBLE));
        assertSameOutputs(net, rows.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all()));
        // every other row: a view whose rows are not one after another
        assertSameOutputs(net, data.test().features().get(NDArrayIndex.interval(0, 2, 400), NDArrayIndex.all()));
        // the same rows as images [batch, 1, 28, 28], which the pass takes as rows of 784, through oneDNN (300) and OpenBLAS (8)
        try (var pass = SmallBatchForward.of(net)) {
            for (int batch : new int[]{300, 8}) {
                INDArray some = rows.get(NDArrayIndex.interval(0, batch), NDArrayIndex.all());
                INDArray images = some.dup('c').reshape('c', batch, 1, 28, 28);
                assertThat(pass.output(images).sub(net.output(some)).amaxNumber().doubleValue()).as("images, batch %d", batch).isLessThan(1e-5);
            }
        }
    }

    @Test
    void theEvaluatorsAccuracyAndLossOfAPerceptronThroughThePassAreDl4jsOwn() {
        var data = Fixtures.smallData();
        var trained = Architecture.LENET_300_100.build(4L, 1e-3);
        for (int epoch = 0; epoch < 10; epoch++) {
            trained.fit(data.train().head(2000));
        }
        var net = Network.of(trained);
        var throughPass = Evaluator.quality(net, data.test());
        var throughDl4j = Evaluator.quality(net::output, data.test());
        // the same classes up to a near tie that float rounding could tip: one test image at most
        assertThat(throughPass.accuracy()).isCloseTo(throughDl4j.accuracy(), offset(1.0 / data.test().size() + 1e-9));
        assertThat(throughPass.loss()).isCloseTo(throughDl4j.loss(), offset(1e-6));
        assertThat(throughPass.accuracy()).as("a trained model, not chance").isGreaterThan(0.5);
    }

    /** Whether the evaluator times {@code batch} examples of {@code net} through the pass (closed again at once). */
    private static boolean smallBatchPassFor(Network net, int batch) {
        try (var pass = Evaluator.smallBatchPass(net, batch)) {
            return pass != null;
        }
    }
}
