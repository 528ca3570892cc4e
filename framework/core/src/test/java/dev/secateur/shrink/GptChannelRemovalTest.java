package dev.secateur.shrink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.evaluate.Evaluator;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.UnitGroup;
import dev.secateur.model.gpt.GptShape;
import dev.secateur.model.gpt.GptTiny;
import dev.secateur.prune.RandomFilterMasks;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** gpt-tiny's MLP channels form unit groups that physical removal takes out without changing what the model computes. */
class GptChannelRemovalTest {

    private static final GptShape SHAPE = new GptShape(2, 16, 2, 32, 8, 256);

    @Test
    void mlpChannelsAreRemovableGroupsAndEveryOtherLinearLayerIsKeptWholeWithItsReason() {
        Network net = GptTiny.network(SHAPE, 3, 1e-3);
        Map<String, UnitGroup> groups = NetworkLayout.groups(net).stream()
                .collect(Collectors.toMap(g -> net.layerName(g.ref().layer()), g -> g));
        assertThat(groups.get("block0.up").removable()).isTrue();
        assertThat(groups.get("block0.up").consumers()).singleElement()
                .satisfies(c -> assertThat(net.layerName(c.param().weights().layer())).isEqualTo("block0.down"));
        assertThat(groups.get("block0.q").keptWhole()).contains("CausalSelfAttention");
        assertThat(groups.get("block1.down").keptWhole()).isNotNull();
    }

    @Test
    void halfTheMlpChannelsRemovedComputesWhatTheMaskedModelComputes() {
        Network net = GptTiny.network(SHAPE, 3, 1e-3);
        RandomFilterMasks.apply(net, 0.5, 9);
        var result = new Shrinker().shrink(net);
        assertThat(result.net().getParam("block0.up_W").shape()).containsExactly(16, 16);
        assertThat(result.net().getParam("block1.down_W").shape()).containsExactly(16, 16);
        Nd4j.getRandom().setSeed(4);
        INDArray tokens = Nd4j.rand(DataType.FLOAT, 5, SHAPE.context()).muli(255).castTo(DataType.INT).castTo(DataType.FLOAT);
        double diff = Transforms.abs(net.output(tokens).sub(result.net().output(tokens)), false).maxNumber().doubleValue();
        assertThat(diff).as("max abs difference of the next-token probabilities").isLessThanOrEqualTo(1e-6);

        // the plan's projection counts every token, as the census of the network the shrinker built does
        INDArray one = tokens.getRow(0, true);
        var projection = ShrinkProjection.of(GptTiny.network(SHAPE, 3, 1e-3), one);
        var evaluator = new Evaluator();
        assertThat(projection.dense().flops()).isEqualTo(evaluator.census(net, one).flops());
        var kept = new HashMap<String, Long>();
        projection.groups().forEach(g -> kept.put(g.id(), g.removable() ? g.units() / 2 : g.units()));
        assertThat(projection.project(kept).flops()).isEqualTo(evaluator.census(result.net(), one).flops());
    }
}
