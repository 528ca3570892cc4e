package dev.secateur.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.Fixtures;
import dev.secateur.data.Dataset;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.Map;
import java.util.function.Supplier;
import org.assertj.core.data.Offset;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The multilayer-perceptron loop trains as DL4J's fit does: the same weights, Adam state and counters. */
class DenseTrainingLoopTest {

    /** n images of the embedded Fashion-MNIST subset's training split. */
    private static Dataset data(int n, long seed) {
        return Fixtures.smallData().train().sample(n, seed);
    }

    /** A one-hidden-layer perceptron with a softmax output. */
    private static MultiLayerNetwork mlp(IUpdater updater, Activation hidden, double dropOut) {
        var layer = new DenseLayer.Builder().nOut(20).activation(hidden);
        if (dropOut > 0) {
            layer.dropOut(dropOut);
        }
        var net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).updater(updater).list()
                .layer(layer.build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(784)).build());
        net.init();
        return net;
    }

    /** The same training through DL4J's own fit, as -Dsecateur.training.denseLoop=false gives. */
    private static <T> T throughDl4j(Supplier<T> training) {
        System.setProperty(DenseTrainingLoop.PROPERTY, "false");
        try {
            return training.get();
        } finally {
            System.clearProperty(DenseTrainingLoop.PROPERTY);
        }
    }

    private static double relativeDifference(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue() / b.norm2Number().doubleValue();
    }

    @Test
    void lenet300TrainsToDl4jsWeightsAdamStateAndCounters() {
        var train = data(640, 1L);
        var spec = new TrainingSpec(2, 64, 1e-3, 1e-4); // with an L2 penalty, as Han et al. retrain
        var loop = Architecture.LENET_300_100.network(3L, 1e-3);
        var dl4j = Architecture.LENET_300_100.network(3L, 1e-3);
        assertThat(DenseTrainingLoop.unsupported(loop.sequential("test"))).isNull();
        var fast = new FineTuner().train(loop, train, spec, MaskSet.NONE, 5L, TrainingProgressListener.NONE);
        var reference = throughDl4j(() -> new FineTuner().train(dl4j, train, spec, MaskSet.NONE, 5L, TrainingProgressListener.NONE));
        assertThat(fast.examples()).isEqualTo(reference.examples()).isEqualTo(1280);
        assertThat(relativeDifference(loop.params(), dl4j.params())).as("weights after 20 updates").isLessThan(1e-4);
        assertThat(relativeDifference(loop.updaterState(), dl4j.updaterState())).as("Adam's moments").isLessThan(1e-3);
        var a = loop.sequential("test");
        var b = dl4j.sequential("test");
        assertThat(a.getIterationCount()).isEqualTo(b.getIterationCount()).isEqualTo(20);
        assertThat(a.getEpochCount()).isEqualTo(b.getEpochCount()).isEqualTo(2);
        // and DL4J's fit carries on from the loop's state exactly as from its own
        var more = data(128, 9L);
        throughDl4j(() -> {
            new FineTuner().train(loop, more, new TrainingSpec(1, 64, 1e-3), MaskSet.NONE, 6L, TrainingProgressListener.NONE);
            return new FineTuner().train(dl4j, more, new TrainingSpec(1, 64, 1e-3), MaskSet.NONE, 6L, TrainingProgressListener.NONE);
        });
        assertThat(relativeDifference(loop.params(), dl4j.params())).isLessThan(1e-4);
    }

    /** 32 rows multiply through OpenBLAS alone; 256 and the last 128 of each epoch send forward products (and at 256 the deltas) to oneDNN. */
    @ParameterizedTest
    @ValueSource(ints = {32, 256})
    void everyBatchSizeTrainsToDl4jsWeightsWhicheverLibraryMultiplies(int batch) {
        var train = data(640, 1L);
        var spec = new TrainingSpec(2, batch, 1e-3);
        var loop = Architecture.LENET_300_100.network(3L, 1e-3);
        var dl4j = Architecture.LENET_300_100.network(3L, 1e-3);
        new FineTuner().train(loop, train, spec, MaskSet.NONE, 5L, TrainingProgressListener.NONE);
        throughDl4j(() -> new FineTuner().train(dl4j, train, spec, MaskSet.NONE, 5L, TrainingProgressListener.NONE));
        assertThat(loop.sequential("test").getIterationCount()).isEqualTo(dl4j.sequential("test").getIterationCount()).isEqualTo(batch == 32 ? 40 : 6);
        assertThat(relativeDifference(loop.params(), dl4j.params())).as("weights").isLessThan(1e-4);
        assertThat(relativeDifference(loop.updaterState(), dl4j.updaterState())).as("Adam's moments").isLessThan(1e-3);
    }

    @Test
    void aCosineDecayTrainsAsInDl4jsFit() {
        var train = data(640, 1L);
        var spec = new TrainingSpec(2, 64, 1e-3, null, TrainingSpec.Decay.COSINE);
        var loop = Architecture.LENET_300_100.network(3L, 1e-3);
        var dl4j = Architecture.LENET_300_100.network(3L, 1e-3);
        var constant = Architecture.LENET_300_100.network(3L, 1e-3);
        loop.setLearningRate(new CosineDecay(0, 20, 1e-3));
        assertThat(DenseTrainingLoop.unsupported(loop.sequential("test"))).as("the fast loop takes a decaying rate").isNull();
        loop.setLearningRate(1e-3);
        new FineTuner().train(loop, train, spec, MaskSet.NONE, 5L, TrainingProgressListener.NONE);
        throughDl4j(() -> new FineTuner().train(dl4j, train, spec, MaskSet.NONE, 5L, TrainingProgressListener.NONE));
        new FineTuner().train(constant, train, new TrainingSpec(2, 64, 1e-3), MaskSet.NONE, 5L, TrainingProgressListener.NONE);
        assertThat(relativeDifference(loop.params(), dl4j.params())).as("weights after 20 decaying updates").isLessThan(1e-4);
        assertThat(relativeDifference(constant.params(), dl4j.params())).as("a constant rate ends elsewhere").isGreaterThan(1e-3);
    }

    @Test
    void masksHoldExactlyAndTheScoreIsDl4jsMeanCrossEntropy() {
        var net = Architecture.LENET_300_100.network(4L, 1e-3);
        var w = net.getParam("0_W");
        INDArray mask = Nd4j.rand(DataType.FLOAT, w.shape()).gt(0.7).castTo(DataType.FLOAT);
        var masks = MaskSet.of(Map.of(ParamRef.parse("0_W"), mask));
        var scores = new ArrayList<Double>();
        var train = data(320, 2L);
        new FineTuner().train(net, train, new TrainingSpec(1, 64, 1e-3), masks, 7L, p -> scores.add(p.score()));
        assertThat(net.getParam("0_W").mul(mask.rsub(1)).amaxNumber().doubleValue()).as("pruned weights stay exactly zero").isZero();
        assertThat(net.getParam("0_W").mul(mask).amaxNumber().doubleValue()).isPositive();
        var reference = throughDl4j(() -> {
            var other = Architecture.LENET_300_100.network(4L, 1e-3);
            var seen = new ArrayList<Double>();
            new FineTuner().train(other, train, new TrainingSpec(1, 64, 1e-3), masks, 7L, p -> seen.add(p.score()));
            return seen;
        });
        assertThat(scores.get(scores.size() - 1)).isCloseTo(reference.get(reference.size() - 1), Offset.offset(1e-4));
    }

    @Test
    void everythingElseTrainsThroughDl4jAndSaysWhy() {
        assertThat(DenseTrainingLoop.unsupported(Architecture.LENET_5.network(1L, 1e-3).sequential("test"))).contains("ConvolutionLayer");
        assertThat(DenseTrainingLoop.unsupported(mlp(new Sgd(0.1), Activation.RELU, 0))).contains("Adam");
        var tanh = mlp(new Adam(1e-3), Activation.TANH, 0);
        assertThat(DenseTrainingLoop.unsupported(tanh)).contains("activation");
        assertThat(DenseTrainingLoop.unsupported(mlp(new Adam(1e-3), Activation.RELU, 0.5))).contains("dropout");
        assertThat(DenseTrainingLoop.unsupported(mlp(new Adam(1e-3), Activation.RELU, 0))).isNull();
        // and such a network still trains, through DL4J
        var report = new FineTuner().train(Network.of(tanh), data(128, 3L), new TrainingSpec(1, 64, 1e-3), MaskSet.NONE, 1L,
                TrainingProgressListener.NONE);
        assertThat(report.examples()).isEqualTo(128);
    }

    @Test
    void subnormalFloatsDoNotPileUpInAdamAsWeightsDecayUnderL2() {
        // pixels that are zero in every image give their weights no data gradient, so L2 alone drives them,
        // and their moments, toward zero; late in each cosine decay, where the rate is small, geometrically
        System.setProperty(FineTuner.FLUSH_TINY_MOMENTS_PROPERTY, "false");
        Network kept;
        try {
            kept = trainedFor2000CosineUpdates();
        } finally {
            System.clearProperty(FineTuner.FLUSH_TINY_MOMENTS_PROPERTY);
        }
        int keptSubnormals = subnormals(kept.params()) + subnormals(kept.updaterState());
        assertThat(keptSubnormals).as("subnormal values when Adam keeps every tiny value, as DL4J's does").isGreaterThan(100);
        var flushed = trainedFor2000CosineUpdates();
        // a chunk is flushed once a subnormal value is found in it, so a few may be left from the last updates
        assertThat(subnormals(flushed.params()) + subnormals(flushed.updaterState())).as("subnormal values, flushed")
                .isLessThan(keptSubnormals / 10);
        assertThat(countBelow(flushed.params(), 1e-6f)).as("weights that L2 drove near zero").isPositive();
    }

    private static Network trainedFor2000CosineUpdates() {
        var net = Network.of(mlp(new Adam(1e-3), Activation.RELU, 0));
        var spec = new TrainingSpec(1, 8, 1e-3, 1e-4, TrainingSpec.Decay.COSINE);
        var train = data(2000, 4L);
        for (int round = 0; round < 8; round++) {
            new FineTuner().train(net, train, spec, MaskSet.NONE, round, TrainingProgressListener.NONE);
        }
        return net;
    }

    private static int subnormals(INDArray array) {
        int count = 0;
        for (float v : array.data().asFloat()) {
            count += v != 0f && Math.abs(v) < Float.MIN_NORMAL ? 1 : 0;
        }
        return count;
    }

    private static int countBelow(INDArray array, float limit) {
        int count = 0;
        for (float v : array.data().asFloat()) {
            count += Math.abs(v) < limit ? 1 : 0;
        }
        return count;
    }
}
