package dev.secateur.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.PrunableParam;
import dev.secateur.score.ScoreSet;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.PruningPlan;
import dev.secateur.spi.Scope;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.data.Offset;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The pruner alone, without Vert.x: scores in, masks out. */
class PrunerTest {

    private static final Provenance PROVENANCE = new Provenance("test", "1", Options.NONE, "one-shot", "1", 1L);
    private final Pruner pruner = new Pruner();
    private final MultiLayerNetwork mlp = Architecture.LENET_300_100.build(1L, 1e-3);
    private final List<PrunableParam> mlpParams = NetworkLayout.prunable(mlp);

    private ScoreSet magnitude(MultiLayerNetwork net) {
        var scores = new HashMap<ParamRef, INDArray>();
        for (var p : NetworkLayout.prunable(net)) {
            scores.put(p.weights(), Transforms.abs(net.getParam(p.weights().toString()), true));
        }
        return ScoreSet.of(scores, "magnitude", "test");
    }

    private ScoreSet random(List<PrunableParam> params, long seed) {
        var scores = new HashMap<ParamRef, INDArray>();
        Nd4j.getRandom().setSeed(seed);
        params.forEach(p -> scores.put(p.weights(), Nd4j.rand(p.shape())));
        return ScoreSet.of(scores, "random", "test");
    }

    private PruningPlan plan(List<PrunableParam> params, ScoreSet scores, MaskSet current, Granularity g, Scope scope,
                             double target) {
        return pruner.plan(params, scores, current, g, scope, new Pruner.StepTarget(1, target, Map.of()), PROVENANCE);
    }

    private static long zeros(INDArray mask) {
        return mask.length() - mask.sumNumber().longValue();
    }

    @Test
    void aResidualFollowerIsPrunedThroughItsLeaderAndCannotBeTargetedAlone() {
        var params = NetworkLayout.prunable(Architecture.RESNET_SMALL.network(1L, 1e-3));
        var filters = Granularity.structured(GroupReduction.L1);
        var inScope = Pruner.inScope(params, filters, new Scope.LayerWise(Set.of()));
        assertThat(inScope).extracting(p -> p.weights().toString()).containsExactly("0_W", "2_W", "7_W", "9_W", "14_W");
        assertThat(inScope.get(0).followers()).extracting(p -> p.weights().toString()).containsExactly("4_W");
        assertThat(inScope.get(3).followers()).extracting(p -> p.weights().toString()).containsExactly("11_W", "16_W");
        // weights stay individually prunable
        assertThat(Pruner.inScope(params, Granularity.unstructured(), new Scope.LayerWise(Set.of()))).hasSize(params.size());
        assertThatThrownBy(() -> Pruner.inScope(params, filters, new Scope.PerLayer(Map.of(ParamRef.weights(4), 0.5), Set.of())))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("4_W, whose filters are shared with 0_W through a residual add; set the target on 0_W");
    }

    @Test
    void globalUnstructuredRemovesExactlyTheTargetShareAndTheSmallestWeights() {
        var plan = plan(mlpParams, magnitude(mlp), MaskSet.NONE, Granularity.unstructured(), new Scope.Global(Set.of()), 0.9);
        long total = mlpParams.stream().mapToLong(PrunableParam::size).sum();
        long pruned = plan.masks().values().stream().mapToLong(PrunerTest::zeros).sum();
        assertThat(pruned).isEqualTo(Math.round(0.9 * total));
        // every kept weight is at least as large as every pruned one
        double largestPruned = 0;
        double smallestKept = Double.MAX_VALUE;
        for (var p : mlpParams) {
            var w = Transforms.abs(mlp.getParam(p.weights().toString()), true);
            var mask = plan.masks().get(p.weights());
            largestPruned = Math.max(largestPruned, w.mul(mask.rsub(1)).maxNumber().doubleValue());
            smallestKept = Math.min(smallestKept, w.add(mask.rsub(1).mul(1e9)).minNumber().doubleValue());
        }
        assertThat(largestPruned).isLessThanOrEqualTo(smallestKept);
        // global: layers end at different sparsities
        assertThat(zeros(plan.masks().get(ParamRef.weights(0))) / 235200.0)
                .isNotCloseTo(zeros(plan.masks().get(ParamRef.weights(2))) / 1000.0, Offset.offset(0.01));
    }

    @Test
    void layerWiseScopeBringsEveryLayerToTheTarget() {
        var plan = plan(mlpParams, magnitude(mlp), MaskSet.NONE, Granularity.unstructured(), new Scope.LayerWise(Set.of()), 0.75);
        for (var p : mlpParams) {
            assertThat(zeros(plan.masks().get(p.weights()))).isEqualTo(Math.round(0.75 * p.size()));
        }
    }

    @Test
    void perLayerTargetsAndExclusionsAreHonoured() {
        var scope = new Scope.PerLayer(Map.of(ParamRef.weights(0), 0.5, ParamRef.weights(1), 0.8), Set.of(ParamRef.weights(1)));
        var target = new Pruner.StepTarget(1, 0.5, Map.of(ParamRef.weights(0), 0.5, ParamRef.weights(1), 0.8));
        var plan = pruner.plan(mlpParams, magnitude(mlp), MaskSet.NONE, Granularity.unstructured(), scope, target, PROVENANCE);
        assertThat(zeros(plan.masks().get(ParamRef.weights(0)))).isEqualTo(235200 / 2);
        assertThat(plan.masks()).doesNotContainKeys(ParamRef.weights(1), ParamRef.weights(2));
    }

    @Test
    void masksOnlyGrowEvenWhenScoresChange() {
        var scope = new Scope.Global(Set.of());
        var first = plan(mlpParams, random(mlpParams, 1), MaskSet.NONE, Granularity.unstructured(), scope, 0.5);
        var second = plan(mlpParams, random(mlpParams, 2), MaskSet.of(first.masks()), Granularity.unstructured(), scope, 0.7);
        for (var p : mlpParams) {
            var before = first.masks().get(p.weights());
            var after = second.masks().get(p.weights());
            // pruned before => pruned after
            assertThat(before.rsub(1).mul(after).sumNumber().doubleValue()).isZero();
        }
        long total = mlpParams.stream().mapToLong(PrunableParam::size).sum();
        assertThat(second.masks().values().stream().mapToLong(PrunerTest::zeros).sum()).isEqualTo(Math.round(0.7 * total));
    }

    @Test
    void structuredPruningRemovesWholeNeuronsAndTheirBiasesButNeverOutputUnits() {
        var plan = plan(mlpParams, magnitude(mlp), MaskSet.NONE, Granularity.structured(GroupReduction.L1),
                new Scope.LayerWise(Set.of()), 0.5);
        assertThat(plan.masks()).containsKeys(ParamRef.weights(0), ParamRef.weights(0).bias(), ParamRef.weights(1));
        assertThat(plan.masks()).doesNotContainKey(ParamRef.weights(2));
        var w0 = plan.masks().get(ParamRef.weights(0)); // [784, 300]: a neuron is a column
        var columns = w0.sum(0);
        for (int j = 0; j < 300; j++) {
            assertThat(columns.getDouble(j)).isIn(0.0, 784.0);
        }
        assertThat(w0.sum(0).neq(0).castTo(DataType.INT).sumNumber().intValue()).isEqualTo(150);
        // the bias of a removed neuron is masked with it
        var bias = plan.masks().get(ParamRef.weights(0).bias());
        assertThat(bias.shape()).isEqualTo(mlp.getParam("0_b").shape());
        var flatBias = bias.reshape(300);
        for (int j = 0; j < 300; j++) {
            assertThat(flatBias.getDouble(j)).isEqualTo(columns.getDouble(j) == 0 ? 0.0 : 1.0);
        }
    }

    @Test
    void structuredPruningOfConvolutionsRemovesWholeFilters() {
        var lenet5 = Architecture.LENET_5.build(1L, 1e-3);
        var params = NetworkLayout.prunable(lenet5);
        var plan = plan(params, magnitude(lenet5), MaskSet.NONE, Granularity.structured(GroupReduction.L2),
                new Scope.LayerWise(Set.of()), 0.4);
        var conv2 = plan.masks().get(ParamRef.weights(2)); // [50, 20, 5, 5]: a filter is a leading slice
        var perFilter = conv2.sum(1, 2, 3);
        int removed = 0;
        for (int f = 0; f < 50; f++) {
            double kept = perFilter.getDouble(f);
            assertThat(kept).isIn(0.0, 500.0);
            removed += kept == 0 ? 1 : 0;
        }
        assertThat(removed).isEqualTo(20);
    }

    @Test
    void roundToKeepsEveryLayersUnitCountAMultipleRoundingUp() {
        var lenet5 = Architecture.LENET_5.build(1L, 1e-3);
        var params = NetworkLayout.prunable(lenet5);
        var rounded = new Granularity.Structured(GroupReduction.L1, 8);
        var plan = plan(params, magnitude(lenet5), MaskSet.NONE, rounded, new Scope.LayerWise(Set.of()), 0.4);
        var plain = plan(params, magnitude(lenet5), MaskSet.NONE, Granularity.structured(GroupReduction.L1),
                new Scope.LayerWise(Set.of()), 0.4);
        int checked = 0;
        for (var param : Pruner.inScope(params, rounded, new Scope.LayerWise(Set.of()))) {
            long units = param.units();
            long kept = keptUnits(plan.masks().get(param.weights()), units);
            long keptPlain = keptUnits(plain.masks().get(param.weights()), units);
            assertThat(kept % 8 == 0 || kept == units).as("%s keeps %d of %d", param.weights(), kept, units).isTrue();
            assertThat(kept - keptPlain).as(param.weights().toString()).isBetween(0L, 7L);
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(3);
        // conv 2's 50 filters at 40%: 30 kept, rounded up to 32
        assertThat(keptUnits(plan.masks().get(ParamRef.weights(2)), 50)).isEqualTo(32);
        assertThat(rounded.id()).isEqualTo("structured-l1-round8");
        assertThatThrownBy(() -> plan(params, magnitude(lenet5), MaskSet.NONE, rounded, new Scope.Global(Set.of()), 0.4))
                .isInstanceOf(BadInputException.class).hasMessageContaining("round_to").hasMessageContaining("layerwise()");
        assertThatThrownBy(() -> new Granularity.Structured(GroupReduction.L1, 0)).hasMessageContaining("round_to = 0");
    }

    /** Output units a structured mask keeps: units whose slice is not all zeros. */
    private static long keptUnits(INDArray mask, long units) {
        var flat = mask.reshape(mask.size(0), mask.length() / mask.size(0));
        // a dense layer's units are columns [in, out]; a convolution's are leading slices [out, in, h, w]
        var perUnit = mask.rank() == 2 ? flat.sum(0) : flat.sum(1);
        assertThat(perUnit.length()).isEqualTo(units);
        return perUnit.neq(0).castTo(DataType.INT).sumNumber().longValue();
    }

    @Test
    void globalStructuredPruningKeepsAtLeastOneUnitPerLayer() {
        var scores = new HashMap<ParamRef, INDArray>();
        scores.put(ParamRef.weights(0), Nd4j.ones(784, 300).muli(1e-6));
        scores.put(ParamRef.weights(1), Nd4j.ones(300, 100));
        var plan = plan(mlpParams, ScoreSet.of(scores, "x", "1"), MaskSet.NONE, Granularity.structured(GroupReduction.MAX),
                new Scope.Global(Set.of()), 0.8);
        // 320 of 400 units go; layer 0's 300 score lowest, but its best one is kept
        assertThat(plan.masks().get(ParamRef.weights(0)).sumNumber().doubleValue()).isEqualTo(784.0);
        assertThat(plan.masks().get(ParamRef.weights(1)).sumNumber().doubleValue()).isEqualTo(79 * 300.0);
    }

    @Test
    void removingEveryUnitOfALayerIsRefused() {
        var scope = new Scope.PerLayer(Map.of(ParamRef.weights(1), 0.999), Set.of());
        var target = new Pruner.StepTarget(1, 0.999, Map.of(ParamRef.weights(1), 0.999));
        assertThatThrownBy(() -> pruner.plan(mlpParams, magnitude(mlp), MaskSet.NONE, Granularity.structured(GroupReduction.L1),
                scope, target, PROVENANCE))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("would remove all 100 units of 1_W");
    }

    @Test
    void scopeNamingAnUnknownParameterListsTheRealOnes() {
        assertThatThrownBy(() -> Pruner.inScope(mlpParams, Granularity.unstructured(), new Scope.Global(Set.of(ParamRef.weights(7)))))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("7_W")
                .hasMessageContaining("0_W, 1_W, 2_W");
    }

    @Test
    void scoresInDoubleOrAsStridedViewsArePrunedLikeContiguousFloats() {
        var floats = random(mlpParams, 9);
        var converted = new HashMap<ParamRef, INDArray>();
        floats.scores().forEach((ref, s) -> converted.put(ref, ref.layer() == 0
                ? s.castTo(DataType.DOUBLE) : s.transpose().dup('c').transpose()));
        var scope = new Scope.Global(Set.of());
        var a = plan(mlpParams, floats, MaskSet.NONE, Granularity.unstructured(), scope, 0.6);
        System.gc(); // the converted copies live only inside the pruner; they must stay reachable while read
        var b = plan(mlpParams, ScoreSet.of(converted, "random", "test"), MaskSet.NONE, Granularity.unstructured(), scope, 0.6);
        assertThat(b.masks()).isEqualTo(a.masks());
    }

    @Test
    void applyZeroesExactlyTheMaskedWeights() {
        var plan = plan(mlpParams, magnitude(mlp), MaskSet.NONE, Granularity.unstructured(), new Scope.Global(Set.of()), 0.6);
        pruner.apply(mlp, MaskSet.of(plan.masks()));
        for (var p : mlpParams) {
            var w = mlp.getParam(p.weights().toString());
            var mask = plan.masks().get(p.weights());
            assertThat(w.mul(mask.rsub(1)).amaxNumber().doubleValue()).isZero();
            assertThat(w.eq(0).castTo(DataType.INT).sumNumber().longValue()).isEqualTo(zeros(mask));
        }
    }
}
