package dev.secateur.shrink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.Architecture;
import dev.secateur.model.NetworkLayout;
import dev.secateur.prune.MaskSet;
import dev.secateur.prune.Pruner;
import dev.secateur.score.ScoreSet;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
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
        var params = NetworkLayout.prunable(net);
        var scores = new HashMap<ParamRef, INDArray>();
        Nd4j.getRandom().setSeed(9);
        params.forEach(p -> scores.put(p.weights(), Nd4j.rand(DataType.FLOAT, p.shape())));
        var plan = new Pruner().plan(params, ScoreSet.of(scores, "random", "1"), MaskSet.NONE,
                Granularity.structured(GroupReduction.L1), new Scope.LayerWise(Set.of()), new Pruner.StepTarget(1, target, Map.of()),
                PROVENANCE);
        MaskSet.of(plan.masks()).applyTo(net);
        return net;
    }

    private static void assertSameOutputs(MultiLayerNetwork a, MultiLayerNetwork b, long inputs) {
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(DataType.FLOAT, 64, inputs);
        double diff = Transforms.abs(a.output(x, false).sub(b.output(x, false)), false).maxNumber().doubleValue();
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
    void lenet300WithNeuronsRemovedComputesTheSameFunction() {
        var net = masked(Architecture.LENET_300_100, 0.8);
        var result = new Shrinker().shrink(net);
        assertSameOutputs(net, result.net(), 784);
        assertThat(result.net().getParam("0_W").shape()).containsExactly(784, 60);
        assertThat(result.net().getParam("1_W").shape()).containsExactly(60, 20);
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
}
