package dev.secateur.shrink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.evaluate.Evaluator;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.UnitGroup;
import dev.secateur.model.gpt.GptShape;
import dev.secateur.model.gpt.CausalSelfAttention;
import dev.secateur.model.gpt.GptTiny;
import dev.secateur.prune.RandomFilterMasks;
import dev.secateur.spi.ParamRef;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * gpt-tiny's attention heads (their query, key and value columns, and the projection's rows that read them) and MLP
 * channels form unit groups that physical removal takes out without changing what the masked model computes.
 */
class GptChannelRemovalTest {

    private static final GptShape SHAPE = new GptShape(2, 16, 2, 32, 8, 256);

    @Test
    void headsAndMlpChannelsAreRemovableGroupsAndTheLayersOnTheResidualStreamAreKeptWholeWithTheirReason() {
        Network net = GptTiny.network(SHAPE, 3, 1e-3);
        Map<String, UnitGroup> groups = NetworkLayout.groups(net).stream()
                .collect(Collectors.toMap(g -> net.layerName(g.ref().layer()), g -> g));
        assertThat(groups.get("block0.up").removable()).isTrue();
        assertThat(groups.get("block0.up").consumers()).singleElement()
                .satisfies(c -> assertThat(net.layerName(c.param().weights().layer())).isEqualTo("block0.down"));
        var heads = groups.get("block0.q");
        assertThat(heads.removable()).isTrue();
        assertThat(heads.units()).isEqualTo(SHAPE.heads());
        assertThat(heads.producers()).extracting(p -> net.layerName(p.weights().layer()))
                .containsExactly("block0.q", "block0.k", "block0.v");
        assertThat(heads.producers()).allSatisfy(p -> assertThat(p.unitWidth()).isEqualTo(SHAPE.headWidth()));
        assertThat(heads.consumers()).singleElement().satisfies(c -> {
            assertThat(net.layerName(c.param().weights().layer())).isEqualTo("block0.proj");
            assertThat(c.rowsPerUnit()).isEqualTo(SHAPE.headWidth());
        });
        assertThat(groups).doesNotContainKeys("block0.k", "block0.v");
        assertThat(groups.get("block0.proj").keptWhole()).contains("ElementWiseVertex");
        assertThat(groups.get("block1.down").keptWhole()).isNotNull();
    }

    @Test
    void aHeadRemovedComputesWhatTheModelWithThatHeadMaskedComputes() {
        var shape = new GptShape(2, 24, 3, 32, 8, 256);
        Network dense = GptTiny.network(shape, 5, 1e-3);
        Network net = GptTiny.network(shape, 5, 1e-3);
        var plan = RandomFilterMasks.apply(net, 1.0 / 3, 11);
        // the pruner masks whole heads: each of the query, key and value loses the same 8 adjacent columns
        for (String part : new String[]{"q", "k", "v"}) {
            INDArray mask = plan.masks().get(weightsOf(net, GptTiny.vertex(0, part)));
            assertThat(mask.sumNumber().intValue()).isEqualTo(24 * 16);
            for (int h = 0; h < 3; h++) {
                assertThat(mask.get(NDArrayIndex.all(), NDArrayIndex.interval(8 * h, 8 * h + 8)).sumNumber().intValue()).isIn(0, 24 * 8);
            }
        }
        var result = new Shrinker().shrink(net);
        assertThat(result.net().getParam("block0.q_W").shape()).containsExactly(24, 16);
        assertThat(result.net().getParam("block1.v_W").shape()).containsExactly(24, 16);
        assertThat(result.net().getParam("block0.proj_W").shape()).containsExactly(16, 24);
        assertThat(result.kept().get(weightsOf(net, "block0.q"))).hasSize(2);
        var attention = (CausalSelfAttention) result.net().graph().getConfiguration().getVertices().get("block0.attention");
        assertThat(attention.heads()).isEqualTo(2);
        assertThat(attention.width()).isEqualTo(16);

        Nd4j.getRandom().setSeed(4);
        INDArray tokens = Nd4j.rand(DataType.FLOAT, 5, shape.context()).muli(255).castTo(DataType.INT).castTo(DataType.FLOAT);
        INDArray masked = net.output(tokens);
        double diff = Transforms.abs(masked.sub(result.net().output(tokens)), false).maxNumber().doubleValue();
        assertThat(diff).as("max abs difference of the next-token probabilities").isLessThanOrEqualTo(1e-6);
        double moved = Transforms.abs(masked.sub(dense.output(tokens)), false).maxNumber().doubleValue();
        assertThat(moved).as("masking the heads changed the model").isGreaterThan(1e-4);

        INDArray one = tokens.getRow(0, true);
        var projection = ShrinkProjection.of(dense, one);
        var kept = new HashMap<String, Long>();
        projection.groups().forEach(g -> kept.put(g.id(), g.removable() ? g.units() - Math.round(g.units() / 3.0) : g.units()));
        assertThat(projection.project(kept).flops()).isEqualTo(new Evaluator().census(result.net(), one).flops());
        assertThat(projection.project(kept).params()).isEqualTo(result.net().numParams());
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

    private static ParamRef weightsOf(Network net, String vertex) {
        return ParamRef.weights(net.layerIndex(vertex));
    }
}
