package dev.secateur.shrink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.data.InputShape;
import dev.secateur.errors.BadInputException;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.PrunableParam;
import dev.secateur.prune.Pruner;
import dev.secateur.prune.RandomFilterMasks;
import dev.secateur.score.ScoreSet;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The equivalence test of physical removal: whole filters and neurons masked (weights and bias zero), then
 * removed; the masked and the shrunk network give the same outputs on random inputs.
 */
class ShrinkerTest {

    private static final Provenance PROVENANCE = new Provenance("random", "1", Options.NONE, "one-shot", "1", 1L);

    private static MultiLayerNetwork masked(Architecture architecture, double target) {
        var net = architecture.build(5L, 1e-3);
        RandomFilterMasks.apply(Network.of(net), target, 9);
        return net;
    }

    private static void assertSameOutputs(MultiLayerNetwork a, Network b, long inputs) {
        assertSameOutputs(Network.of(a), b, inputs);
    }

    static void assertSameOutputs(Network a, Network b, long inputs) {
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(DataType.FLOAT, 64, inputs);
        double diff = Transforms.abs(a.output(x).sub(b.output(x)), false).maxNumber().doubleValue();
        assertThat(diff).as("max abs difference of the outputs").isLessThanOrEqualTo(1e-5);
    }

    @Test
    void lenet5WithHalfItsFiltersAndNeuronsRemovedComputesTheSameFunction() {
        var net = masked(Architecture.LENET_5, 0.5);
        var result = new Shrinker().shrink(net);
        assertSameOutputs(net, result.net(), 784);
        // conv 20 -> 10, conv 50 -> 25, dense 500 -> 250; the output layer keeps its 10 classes
        assertThat(result.net().getParam("0_W").shape()).containsExactly(10, 1, 5, 5);
        assertThat(result.net().getParam("2_W").shape()).containsExactly(25, 10, 5, 5);
        assertThat(result.net().getParam("4_W").shape()).containsExactly(25 * 4 * 4, 250);
        assertThat(result.net().getParam("5_W").shape()).containsExactly(250, 10);
        assertThat(result.net().numParams()).isLessThan(net.numParams() / 3);
        assertThat(result.keptWhole()).isEmpty();
    }

    @Test
    void networksSizedForOtherDataShrinkToTheSameFunctionWithTheFlattenFollowingTheirShape() {
        // LeNet-5 on 3×32×32 colour images (the original paper's shape): the dense layer reads 50 filters of 5×5
        var colour = Architecture.LENET_5.build(5L, 1e-3, new Architecture.Sizing(InputShape.image(3, 32, 32), 10, List.of()));
        RandomFilterMasks.apply(Network.of(colour), 0.5, 9);
        var shrunk = new Shrinker().shrink(colour);
        assertSameOutputs(colour, shrunk.net(), 3 * 32 * 32);
        assertThat(shrunk.net().getParam("0_W").shape()).containsExactly(10, 3, 5, 5);
        assertThat(shrunk.net().getParam("4_W").shape()).containsExactly(25 * 5 * 5, 250);
        // and on 8×8 digits with padded convolutions, 7 classes: 2×2 after both pools
        var digits = Architecture.LENET_5.build(5L, 1e-3, new Architecture.Sizing(InputShape.image(1, 8, 8), 7, List.of()));
        RandomFilterMasks.apply(Network.of(digits), 0.5, 9);
        var small = new Shrinker().shrink(digits);
        assertSameOutputs(digits, small.net(), 64);
        assertThat(small.net().getParam("4_W").shape()).containsExactly(25 * 2 * 2, 250);
        assertThat(small.net().getParam("5_W").shape()).containsExactly(250, 7);
        // vgg-small on 3×20×24: 5×6 after two pools
        var vgg = Architecture.VGG_SMALL.build(5L, 1e-3, new Architecture.Sizing(InputShape.image(3, 20, 24), 4, List.of()));
        RandomFilterMasks.apply(Network.of(vgg), 0.5, 9);
        var narrow = new Shrinker().shrink(vgg);
        assertSameOutputs(vgg, narrow.net(), 3 * 20 * 24);
        assertThat(narrow.net().getParam("10_W").shape()).containsExactly(16 * 5 * 6, 64);
    }

    @Test
    void lenet300WithNeuronsRemovedComputesTheSameFunction() {
        var net = masked(Architecture.LENET_300_100, 0.8);
        var result = new Shrinker().shrink(net);
        assertSameOutputs(net, result.net(), 784);
        assertThat(result.net().getParam("0_W").shape()).containsExactly(784, 60);
        assertThat(result.net().getParam("1_W").shape()).containsExactly(60, 20);
    }

    @Test
    void filtersPrunedByThePrunerTakeTheirBatchNormalisationAlongAndAreRemoved() {
        var net = masked(Architecture.VGG_SMALL, 0.5);
        var gamma = net.getLayer(1).getParam("gamma");
        assertThat(gamma.length() - gamma.neq(0).castTo(DataType.FLOAT).sumNumber().longValue()).as("zeroed scales").isEqualTo(8);
        var result = new Shrinker().shrink(net);
        assertSameOutputs(net, result.net(), 784);
        assertThat(result.net().getParam("0_W").shape()).containsExactly(8, 1, 3, 3);
        assertThat(result.net().getParam("7_W").shape()).containsExactly(16, 16, 3, 3);
        assertThat(result.net().getParam("10_W").shape()).containsExactly(16 * 7 * 7, 64);
    }

    @Test
    void removingEveryUnitOfALayerIsRefused() {
        var net = Architecture.LENET_300_100.build(5L, 1e-3);
        net.getParam("1_W").assign(0);
        net.getParam("1_b").assign(0);
        assertThatThrownBy(() -> new Shrinker().shrink(net))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("every one of the 100 units of 1_W is zero");
    }

    @Test
    void aVggStyleNetworkWithBatchNormalisationComputesTheSameFunctionWithGroupsRemoved() {
        var net = Architecture.VGG_SMALL.build(6L, 1e-3);
        var rng = new Random(2);
        // non-trivial running statistics and affine parameters, as after training
        for (int layer : new int[]{1, 3, 6, 8}) {
            for (var entry : net.getLayer(layer).paramTable().entrySet()) {
                var p = entry.getValue();
                float[] v = new float[(int) p.length()];
                for (int k = 0; k < v.length; k++) {
                    v[k] = entry.getKey().contains("var") || entry.getKey().contains("std") ? 0.5f + rng.nextFloat() : (float) rng.nextGaussian();
                }
                p.assign(Nd4j.create(v, p.shape(), 'c'));
            }
        }
        // remove groups: a filter's weights and bias and its batch-normalisation scale and shift
        removeGroups(net, 0, 1, new int[]{0, 3, 5});
        removeGroups(net, 2, 3, new int[]{1, 2});
        removeGroups(net, 5, 6, new int[]{4, 5, 6, 7, 8, 9});
        removeGroups(net, 7, 8, new int[]{0, 31});
        removeGroups(net, 10, -1, IntStream.range(0, 64).toArray());

        var result = new Shrinker().shrink(net);
        assertSameOutputs(net, result.net(), 784);
        assertThat(result.net().getParam("0_W").shape()).containsExactly(13, 1, 3, 3);
        assertThat(result.net().getParam("2_W").shape()).containsExactly(14, 13, 3, 3);
        assertThat(result.net().getParam("7_W").shape()).containsExactly(30, 26, 3, 3);
        assertThat(result.net().getParam("10_W").shape()).containsExactly(30 * 7 * 7, 64);
        assertThat(result.net().layer(1).getParam("gamma").length()).isEqualTo(13);
        assertThat(result.keptWhole()).isEmpty();
    }

    /** Zeroes whole output units of a layer, with its bias and, if given, its batch normalisation's gamma and beta. */
    @Test
    void aResNetWithResidualGroupsPrunedTogetherComputesTheSameFunctionWhenShrunk() {
        var net = Architecture.RESNET_SMALL.network(5L, 1e-3);
        var params = NetworkLayout.prunable(net);
        var scores = new HashMap<ParamRef, INDArray>();
        Nd4j.getRandom().setSeed(9);
        params.forEach(p -> scores.put(p.weights(), Nd4j.rand(DataType.FLOAT, p.shape())));
        // the running statistics of every batch normalisation are made non-trivial, as after training
        for (int i = 0; i < net.layerCount(); i++) {
            if (net.layer(i).conf().getLayer() instanceof BatchNormalization) {
                net.layer(i).getParam("mean").assign(Nd4j.rand(DataType.FLOAT, net.layer(i).getParam("mean").shape()));
                net.layer(i).getParam("log10stdev").assign(Nd4j.rand(DataType.FLOAT, net.layer(i).getParam("log10stdev").shape()).muli(0.3));
                net.layer(i).getParam("beta").assign(Nd4j.rand(DataType.FLOAT, net.layer(i).getParam("beta").shape()).subi(0.5));
            }
        }
        var plan = new Pruner().plan(params, ScoreSet.of(scores, "random", "1"), MaskSet.NONE,
                Granularity.structured(GroupReduction.L1), new Scope.LayerWise(Set.of()), new Pruner.StepTarget(1, 0.25, Map.of()),
                PROVENANCE);
        // layers 0 and 4 are one group through the first residual add: the same filters go in both
        assertThat(plan.masks().get(ParamRef.weights(4)).sum(1, 2, 3)).isEqualTo(plan.masks().get(ParamRef.weights(0)).sum(1, 2, 3).muli(16));
        MaskSet.of(plan.masks()).applyTo(net);
        var before = net.copy();
        var result = new Shrinker().shrink(net);
        assertSameOutputs(before, result.net(), 784);
        // 16 -> 12 and 32 -> 24 in every residual group; inner convolutions too
        assertThat(result.net().getParam("0_W").shape()).containsExactly(12, 1, 3, 3);
        assertThat(result.net().getParam("4_W").shape()).containsExactly(12, 12, 3, 3);
        assertThat(result.net().getParam("2_W").shape()).containsExactly(12, 12, 3, 3);
        assertThat(result.net().getParam("9_W").shape()).containsExactly(24, 24, 3, 3);
        assertThat(result.net().getParam("11_W").shape()).containsExactly(24, 12, 1, 1);
        assertThat(result.net().getParam("16_W").shape()).containsExactly(24, 24, 3, 3);
        assertThat(result.net().getParam("20_W").shape()).containsExactly(24, 10);
        assertThat(result.net().layer(1).getParam("gamma").length()).isEqualTo(12);
        assertThat(result.net().isGraph()).isTrue();
    }

    @Test
    void filtersBeforeAConcatenationAreRemovedFromTheirBlockOfTheNextLayersInputs() {
        var conf = new NeuralNetConfiguration.Builder().seed(3).graphBuilder()
                .addInputs("input")
                .setInputTypes(InputType.convolutionalFlat(28, 28, 1))
                .addLayer("0", new ConvolutionLayer.Builder(3, 3).nOut(8)
                        .activation(Activation.RELU).build(), "input")
                .addLayer("1", new ConvolutionLayer.Builder(3, 3).nOut(6)
                        .activation(Activation.RELU).build(), "input")
                .addVertex("concat", new MergeVertex(), "0", "1")
                .addLayer("2", new ConvolutionLayer.Builder(3, 3).nOut(8)
                        .activation(Activation.RELU).build(), "concat")
                .addLayer("3", new DenseLayer.Builder().nOut(16)
                        .activation(Activation.RELU).build(), "2")
                .addLayer("4", new OutputLayer.Builder().nOut(10)
                        .activation(Activation.SOFTMAX).build(), "3")
                .setOutputs("4").build();
        var graph = new ComputationGraph(conf);
        graph.init();
        var net = Network.of(graph);
        RandomFilterMasks.apply(net, 0.5, 2);
        var result = new Shrinker().shrink(net);
        assertSameOutputs(net, result.net(), 784);
        // 8 -> 4 and 6 -> 3 filters, so layer 2 reads 7 channels: the first block of 4, then the second of 3
        assertThat(result.net().getParam("0_W").shape()).containsExactly(4, 1, 3, 3);
        assertThat(result.net().getParam("1_W").shape()).containsExactly(3, 1, 3, 3);
        assertThat(result.net().getParam("2_W").shape()).containsExactly(4, 7, 3, 3);
        assertThat(result.net().getParam("3_W").shape()).containsExactly(4 * 24 * 24, 8);
        var groups = NetworkLayout.groups(net);
        assertThat(groups.get(1).consumers()).singleElement().satisfies(c -> assertThat(c.offset()).isEqualTo(8));
    }

    @Test
    void removingEveryFilterOfAResidualGroupIsRefused() {
        var net = Architecture.RESNET_SMALL.network(5L, 1e-3);
        for (String key : new String[]{"0_W", "0_b", "4_W", "4_b", "1_gamma", "1_beta", "5_gamma", "5_beta"}) {
            net.getParam(key).assign(0);
        }
        assertThatThrownBy(() -> new Shrinker().shrink(net))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("every one of the 16 units of 0_W is zero");
    }

    private static void removeGroups(MultiLayerNetwork net, int layer, int batchNorm, int[] units) {
        var param = NetworkLayout.prunable(net).stream().filter(p -> p.weights().layer() == layer).findFirst().orElseThrow();
        var keep = new float[(int) param.units()];
        Arrays.fill(keep, 1f);
        for (int u : units) {
            keep[u] = 0f;
        }
        var masks = new HashMap<ParamRef, INDArray>();
        masks.put(param.weights(), unitMask(param, keep));
        masks.put(param.weights().bias(), Nd4j.create(keep, param.biasShape(), 'c'));
        MaskSet.of(masks).applyTo(net);
        if (batchNorm >= 0) {
            for (String key : new String[]{"gamma", "beta"}) {
                var p = net.getLayer(batchNorm).getParam(key);
                p.muli(Nd4j.create(keep, p.shape(), 'c'));
            }
        }
    }

    private static INDArray unitMask(PrunableParam param, float[] keep) {
        long size = param.size();
        int axis = param.kind().outputAxis();
        long perUnit = size / keep.length;
        float[] mask = new float[(int) size];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = keep[axis == 0 ? (int) (i / perUnit) : i % keep.length];
        }
        return Nd4j.create(mask, param.shape(), 'c');
    }
}
