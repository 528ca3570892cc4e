package dev.secateur.shrink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.evaluate.Evaluator;
import dev.secateur.model.Architecture;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.MaskSet;
import dev.secateur.prune.Pruner;
import dev.secateur.score.ScoreSet;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The projection the plan and the budget solver use agrees with the census of the network the shrinker builds. */
class ShrinkProjectionTest {

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"LENET_5", "VGG_SMALL", "LENET_300_100", "RESNET_SMALL"})
    void projectedParamsAndFlopsEqualThoseOfTheShrunkNetwork(Architecture architecture) {
        var net = architecture.network(3L, 1e-3);
        INDArray example = Nd4j.rand(DataType.FLOAT, 1, 784);
        var projection = ShrinkProjection.of(net, example);
        var ratios = new LinkedHashMap<ParamRef, Double>();
        double[] choices = {0.3, 0.5, 0.1, 0.7};
        int k = 0;
        for (var group : projection.groups()) {
            if (group.removable()) {
                ratios.put(group.ref(), choices[k++ % choices.length]);
            }
        }
        var params = NetworkLayout.prunable(net);
        var scores = new HashMap<ParamRef, INDArray>();
        Nd4j.getRandom().setSeed(11);
        params.forEach(p -> scores.put(p.weights(), Nd4j.rand(DataType.FLOAT, p.shape())));
        var plan = new Pruner().plan(params, ScoreSet.of(scores, "random", "1"), MaskSet.NONE, Granularity.structured(GroupReduction.L1),
                new Scope.PerLayer(ratios, Set.of()), new Pruner.StepTarget(1, 0.5, ratios),
                new Provenance("random", "1", Options.NONE, "one-shot", "1", 1L));
        MaskSet.of(plan.masks()).applyTo(net);
        var shrunk = new Shrinker().shrink(net).net();

        var kept = new LinkedHashMap<String, Long>();
        for (var group : projection.groups()) {
            if (ratios.containsKey(group.ref())) {
                kept.put(group.id(), ShrinkProjection.keptAt(group, ratios.get(group.ref())));
            }
        }
        var projected = projection.project(kept);
        var census = new Evaluator().census(shrunk, example);
        assertThat(projected.params()).isEqualTo(shrunk.numParams());
        assertThat(projected.flops()).isEqualTo(census.flops());
        assertThat(projection.dense().flops()).isEqualTo(new Evaluator().census(architecture.network(3L, 1e-3), example).flops());
    }

    @Test
    void masksAreSlicedToTheShapesOfTheSmallerNetwork() {
        var net = Architecture.VGG_SMALL.build(3L, 1e-3);
        var params = NetworkLayout.prunable(net);
        var scores = new HashMap<ParamRef, INDArray>();
        Nd4j.getRandom().setSeed(12);
        params.forEach(p -> scores.put(p.weights(), Nd4j.rand(DataType.FLOAT, p.shape())));
        var plan = new Pruner().plan(params, ScoreSet.of(scores, "random", "1"), MaskSet.NONE, Granularity.structured(GroupReduction.L1),
                new Scope.LayerWise(Set.of()), new Pruner.StepTarget(1, 0.25, Map.of()),
                new Provenance("random", "1", Options.NONE, "one-shot", "1", 1L));
        var masks = MaskSet.of(plan.masks());
        masks.applyTo(net);
        var result = new Shrinker().shrink(net);
        var sliced = result.slice(masks);
        assertThat(sliced.masks().keySet()).isEqualTo(masks.masks().keySet());
        sliced.masks().forEach((ref, mask) -> {
            assertThat(mask.shape()).as(ref.toString()).isEqualTo(result.net().layer(ref.layer()).getParam(ref.key()).shape());
            // every unit that was pruned is gone, so what remains is all kept
            assertThat(mask.minNumber().doubleValue()).as(ref.toString()).isEqualTo(1.0);
        });
    }
}
