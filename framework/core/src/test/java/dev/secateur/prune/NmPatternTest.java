package dev.secateur.prune;

import dev.secateur.model.MaskSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.PrunableParam;
import dev.secateur.score.ScoreSet;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** N:M semi-structured masks: exactly N kept in every group of M along the input dimension. */
class NmPatternTest {

    private static final Provenance PROVENANCE = new Provenance("test", "1", Options.NONE, "one-shot", "1", 1L);
    private final PrunableParam dense = new PrunableParam(ParamRef.parse("0_W"), LayerKind.DENSE, new long[]{24, 10}, new long[]{1, 10});
    private final PrunableParam conv = new PrunableParam(ParamRef.parse("1_W"), LayerKind.CONVOLUTION, new long[]{6, 16, 3, 3}, new long[]{1, 6});
    private final PrunableParam output = new PrunableParam(ParamRef.parse("2_W"), LayerKind.OUTPUT, new long[]{8, 3}, new long[]{1, 3});

    @Test
    void everyGroupOfMKeepsExactlyN() {
        for (int[] nm : new int[][]{{2, 4}, {4, 8}, {1, 4}}) {
            var plan = plan(Granularity.nm(nm[0], nm[1]), MaskSet.NONE, 1L);
            assertGroups(plan.masks().get(dense.weights()), dense, nm[0], nm[1]);
            assertGroups(plan.masks().get(conv.weights()), conv, nm[0], nm[1]);
            assertGroups(plan.masks().get(output.weights()), output, nm[0], nm[1]);
            assertThat(plan.targetSparsity()).isEqualTo(1.0 - (double) nm[0] / nm[1]);
        }
    }

    @Test
    void keepsTheHighestScoresOfEachGroupAndWhatWasPrunedStaysPruned() {
        // scores rise with the input index, so in each group of 4 the last two are kept
        float[][] rising = new float[24][10];
        for (int i = 0; i < 24; i++) {
            java.util.Arrays.fill(rising[i], i);
        }
        var scores = Nd4j.create(rising);
        var plan = new Pruner().plan(List.of(dense), ScoreSet.of(Map.of(dense.weights(), scores), "test", "1"), MaskSet.NONE,
                Granularity.nm(2, 4), new Scope.LayerWise(Set.of()), new Pruner.StepTarget(1, 0.5, Map.of()), PROVENANCE);
        var mask = plan.masks().get(dense.weights());
        for (int i = 0; i < 24; i++) {
            assertThat(mask.getFloat(i, 3)).as("input %d", i).isEqualTo(i % 4 >= 2 ? 1f : 0f);
        }
        // an earlier mask that pruned input 3 (a high score) keeps it pruned; the group keeps its best other
        var earlier = Nd4j.ones(DataType.FLOAT, 24, 10);
        earlier.putScalar(new long[]{3, 0}, 0f);
        var again = new Pruner().plan(List.of(dense), ScoreSet.of(Map.of(dense.weights(), scores), "test", "1"),
                MaskSet.of(Map.of(dense.weights(), earlier)), Granularity.nm(2, 4), new Scope.LayerWise(Set.of()),
                new Pruner.StepTarget(2, 0.5, Map.of()), PROVENANCE).masks().get(dense.weights());
        assertThat(again.getFloat(3, 0)).isZero();
        assertThat(again.getFloat(2, 0)).isEqualTo(1f);
        assertThat(again.getFloat(1, 0)).isEqualTo(1f);
    }

    @Test
    void refusesALayerWhoseInputsDoNotTile() {
        var odd = new PrunableParam(ParamRef.parse("0_W"), LayerKind.CONVOLUTION, new long[]{20, 1, 5, 5}, new long[]{1, 20});
        assertThatThrownBy(() -> Pruner.inScope(List.of(odd), Granularity.nm(2, 4), new Scope.LayerWise(Set.of())))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("0_W").hasMessageContaining("multiple of 4").hasMessageContaining("exclude");
        assertThatThrownBy(() -> Granularity.nm(4, 4)).hasMessageContaining("N < M");
    }

    @Test
    void perOutputRowsEachLoseTheSameFraction() {
        var plan = plan(new Granularity.Unstructured(true), MaskSet.NONE, 0.75);
        var mask = plan.masks().get(dense.weights());
        for (int out = 0; out < 10; out++) {
            assertThat(mask.getColumn(out).sumNumber().intValue()).isEqualTo(6);
        }
        assertThatThrownBy(() -> Pruner.inScope(List.of(dense), new Granularity.Unstructured(true), new Scope.Global(Set.of())))
                .hasMessageContaining("layerwise()");
    }

    private dev.secateur.spi.PruningPlan plan(Granularity granularity, MaskSet current, double target) {
        Nd4j.getRandom().setSeed(3);
        var scores = Map.<ParamRef, INDArray>of(dense.weights(), Nd4j.rand(DataType.FLOAT, dense.shape()),
                conv.weights(), Nd4j.rand(DataType.FLOAT, conv.shape()), output.weights(), Nd4j.rand(DataType.FLOAT, output.shape()));
        return new Pruner().plan(List.of(dense, conv, output), ScoreSet.of(scores, "random", "1"), current, granularity,
                new Scope.LayerWise(Set.of()), new Pruner.StepTarget(1, target, Map.of()), PROVENANCE);
    }

    /** Walks the groups in the documented layout and counts the kept weights of each. */
    private static void assertGroups(INDArray mask, PrunableParam p, int n, int m) {
        var layout = RowSelector.Layout.of(p);
        float[] flat = mask.castTo(DataType.FLOAT).dup('c').reshape(mask.length()).toFloatVector();
        int groups = 0;
        for (int row = 0; row < layout.rows(); row++) {
            for (int g = 0; g < layout.rowLength(); g += m) {
                int kept = 0;
                for (int k = g; k < g + m; k++) {
                    kept += flat[layout.flat(row, k)] != 0f ? 1 : 0;
                }
                assertThat(kept).as("%s row %d group %d", p.weights(), row, g / m).isEqualTo(n);
                groups++;
            }
        }
        assertThat(groups * m).isEqualTo((int) p.size());
        if (p.kind() == LayerKind.CONVOLUTION) {
            // groups run along input channels at a fixed kernel position: filter 0, channels 0..m-1, position (0, 0)
            int kept = 0;
            for (int c = 0; c < m; c++) {
                kept += mask.getFloat(0, c, 0, 0) != 0f ? 1 : 0;
            }
            assertThat(kept).isEqualTo(n);
        }
    }
}
