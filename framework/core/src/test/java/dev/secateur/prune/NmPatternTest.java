package dev.secateur.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.MaskSet;
import dev.secateur.model.PrunableParam;
import dev.secateur.score.ScoreSet;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.PruningPlan;
import dev.secateur.spi.Scope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** N:M semi-structured masks: exactly N kept in every group of M consecutive inputs (NVIDIA's 2:4 keeps 2 of 4). */
class NmPatternTest {

    private static final Provenance PROVENANCE = new Provenance("test", "1", Options.NONE, "one-shot", "1", 1L);
    private final PrunableParam dense = new PrunableParam(ParamRef.parse("0_W"), LayerKind.DENSE, new long[]{24, 10}, new long[]{1, 10});
    private final PrunableParam conv = new PrunableParam(ParamRef.parse("1_W"), LayerKind.CONVOLUTION, new long[]{6, 16, 3, 3}, new long[]{1, 6});
    private final PrunableParam output = new PrunableParam(ParamRef.parse("2_W"), LayerKind.OUTPUT, new long[]{8, 3}, new long[]{1, 3});

    /**
     * The expected mask is built from the tensor's shape alone, not from the pruner's layout: a dense or output
     * weight is [inputs, outputs] and its groups are M consecutive inputs of one output; a convolution's is
     * [filters, channels, kH, kW] and its groups are M consecutive input channels of one filter at one kernel
     * position. Each group keeps its N highest scores and loses the other M − N; 1:4 and 3:8 tell "N kept"
     * from "N pruned", which 2:4 and 4:8 cannot.
     */
    @Test
    void eachGroupOfMConsecutiveInputsKeepsItsNHighestScores() {
        for (int[] nm : new int[][]{{1, 4}, {2, 4}, {3, 8}, {4, 8}}) {
            int n = nm[0];
            int m = nm[1];
            var scores = randomScores();
            var plan = new Pruner().plan(List.of(dense, conv, output), ScoreSet.of(scores, "random", "1"), MaskSet.NONE,
                    Granularity.nm(n, m), new Scope.LayerWise(Set.of()), new Pruner.StepTarget(1, 1.0 - (double) n / m, Map.of()), PROVENANCE);
            for (var param : List.of(dense, conv, output)) {
                var score = scores.get(param.weights());
                var expected = Nd4j.zeros(DataType.FLOAT, param.shape());
                for (long[][] group : groups(param.shape(), m)) {
                    long[][] byScore = group.clone();
                    Arrays.sort(byScore, Comparator.comparingDouble((long[] at) -> score.getDouble(at)).reversed());
                    for (int k = 0; k < n; k++) {
                        expected.putScalar(byScore[k], 1f);
                    }
                }
                var mask = plan.masks().get(param.weights()).castTo(DataType.FLOAT);
                assertThat(mask).as("%d:%d mask of %s", n, m, param.weights()).isEqualTo(expected);
                assertThat(mask.sumNumber().longValue()).isEqualTo(param.size() / m * n);
            }
            assertThat(plan.targetSparsity()).isEqualTo(1.0 - (double) n / m);
        }
    }

    /** The groups of M consecutive inputs, as index tuples, from the shape alone. */
    private static List<long[][]> groups(long[] shape, int m) {
        var groups = new ArrayList<long[][]>();
        if (shape.length == 2) {
            for (long out = 0; out < shape[1]; out++) {
                for (long first = 0; first < shape[0]; first += m) {
                    long[][] group = new long[m][];
                    for (int k = 0; k < m; k++) {
                        group[k] = new long[]{first + k, out};
                    }
                    groups.add(group);
                }
            }
            return groups;
        }
        for (long filter = 0; filter < shape[0]; filter++) {
            for (long y = 0; y < shape[2]; y++) {
                for (long x = 0; x < shape[3]; x++) {
                    for (long first = 0; first < shape[1]; first += m) {
                        long[][] group = new long[m][];
                        for (int k = 0; k < m; k++) {
                            group[k] = new long[]{filter, first + k, y, x};
                        }
                        groups.add(group);
                    }
                }
            }
        }
        return groups;
    }

    @Test
    void keepsTheHighestScoresOfEachGroupAndWhatWasPrunedStaysPruned() {
        // scores rise with the input index, so in each group of 4 the last two are kept
        float[][] rising = new float[24][10];
        for (int i = 0; i < 24; i++) {
            Arrays.fill(rising[i], i);
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

    private PruningPlan plan(Granularity granularity, MaskSet current, double target) {
        return new Pruner().plan(List.of(dense, conv, output), ScoreSet.of(randomScores(), "random", "1"), current, granularity,
                new Scope.LayerWise(Set.of()), new Pruner.StepTarget(1, target, Map.of()), PROVENANCE);
    }

    private Map<ParamRef, INDArray> randomScores() {
        Nd4j.getRandom().setSeed(3);
        return Map.of(dense.weights(), Nd4j.rand(DataType.FLOAT, dense.shape()),
                conv.weights(), Nd4j.rand(DataType.FLOAT, conv.shape()), output.weights(), Nd4j.rand(DataType.FLOAT, output.shape()));
    }
}
