package dev.secateur.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.data.Dataset;
import dev.secateur.errors.BadInputException;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.PrunableParam;
import dev.secateur.model.UnitReduction;
import dev.secateur.model.gpt.GptShape;
import dev.secateur.model.gpt.GptTiny;
import dev.secateur.prune.Pruner;
import dev.secateur.shrink.ShrinkProjection;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Options;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.Scope;
import dev.secateur.spi.Units;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Scoring gpt-tiny's attention heads: the oracle removes a head from its query, key and value at once, as the
 * pruner does, and the statistics pass reaches the heads' layers through the attention and the token embedding.
 */
class GptHeadScoringTest {

    private static final int CONTEXT = 8;
    private static final GptShape SHAPE = new GptShape(1, 16, 2, 32, CONTEXT, 256);

    private Network net;
    private Dataset data;

    @BeforeEach
    void trainALittle() {
        byte[] text = "It is a truth universally acknowledged, that a single man in possession of a good fortune must be in want"
                .repeat(4).getBytes(StandardCharsets.US_ASCII);
        int[] starts = new int[24];
        for (int k = 0; k < starts.length; k++) {
            starts[k] = k * (CONTEXT + 1);
        }
        data = Dataset.ofText("text", text, starts, CONTEXT);
        net = GptTiny.network(SHAPE, 4, 3e-3);
        for (int i = 0; i < 15; i++) {
            net.graph().fit(new DataSet(data.features(), data.labels())); // heads that differ from each other
        }
    }

    private PrunableParam param(String vertex) {
        var ref = ParamRef.weights(net.layerIndex(vertex));
        return NetworkLayout.prunable(net).stream().filter(p -> p.weights().equals(ref)).findFirst().orElseThrow();
    }

    /** The calibration loss with head {@code head}'s columns of Q, K and V (weights and biases) set to zero by hand. */
    private double lossWithHeadZeroed(int head) {
        var saved = net.params().dup();
        int width = SHAPE.headWidth();
        for (String part : List.of("q", "k", "v")) {
            INDArray w = net.getParam(GptTiny.vertex(0, part) + "_W");
            INDArray b = net.getParam(GptTiny.vertex(0, part) + "_b");
            w.get(NDArrayIndex.all(), NDArrayIndex.interval(head * width, (head + 1) * width)).assign(0);
            b.get(NDArrayIndex.all(), NDArrayIndex.interval(head * width, (head + 1) * width)).assign(0);
        }
        double loss = net.graph().scoreExamples(new DataSet(data.features(), data.labels()), false).meanNumber().doubleValue();
        net.params().assign(saved);
        return loss;
    }

    @Test
    void theOracleRemovesAHeadFromItsQueryKeyAndValueAtOnceAndPutsThemBack() {
        var before = net.params().dup();
        var query = new NetworkLossProbe(net, param("block0.q"), data, null);
        var value = new NetworkLossProbe(net, param("block0.v"), data, null);
        for (int head = 0; head < SHAPE.heads(); head++) {
            double expected = lossWithHeadZeroed(head);
            assertThat(query.lossWithoutUnit(head)).as("head %d through the query", head).isCloseTo(expected, within(1e-6));
            assertThat(value.lossWithoutUnit(head)).as("head %d through the value, a follower", head).isCloseTo(expected, within(1e-6));
        }
        assertThat(lossWithHeadZeroed(0)).as("removing a head changes the loss").isNotCloseTo(query.baseLoss(), within(1e-5));
        assertThat(net.params()).isEqualTo(before);
    }

    @Test
    void taylorStatisticsReachTheHeadsThroughTheAttentionAndOneRowPerToken() {
        var params = List.of(param("block0.q"), param("block0.k"), param("block0.v"));
        var statistics = new StatisticsPass().gather(net, params, EnumSet.of(Requirement.ACTIVATION_GRADIENTS), data);
        for (var p : params) {
            INDArray terms = statistics.of(p.weights()).get(Requirement.ACTIVATION_GRADIENTS);
            assertThat(terms.shape()).containsExactly((long) data.size() * CONTEXT, SHAPE.dModel());
            assertThat(terms.amaxNumber().doubleValue()).as("z·dL/dz of %s", p.weights()).isGreaterThan(0);
        }
    }

    @Test
    void aHeadsScoreReducesAllItsColumnsAndTheUnitCountIsTheHeads() {
        var query = param("block0.q");
        assertThat(query.units()).isEqualTo(SHAPE.heads());
        assertThat(query.channels()).isEqualTo(SHAPE.dModel());
        INDArray scores = Nd4j.arange(16 * 16).castTo(DataType.FLOAT).reshape(16, 16);
        double[] l1 = UnitReduction.perUnit(query, scores, GroupReduction.L1);
        double head0 = 0;
        double head1 = 0;
        for (int row = 0; row < 16; row++) {
            for (int column = 0; column < 16; column++) {
                double v = scores.getDouble(row, column);
                if (column < 8) {
                    head0 += v;
                } else {
                    head1 += v;
                }
            }
        }
        assertThat(l1).containsExactly(head0, head1);
        assertThat(UnitReduction.perUnit(query, scores, GroupReduction.MAX)).containsExactly(247, 255);
    }

    @Test
    void aPluginSeesHeadsAsUnitsAndMaySpreadAScorePerHeadOrPerChannel() {
        var view = Scorer.view(net, param("block0.k"), MaskSet.NONE, Statistics.NONE, Granularity.structured(GroupReduction.L1), 1);
        assertThat(view.unitWidth()).isEqualTo(SHAPE.headWidth());
        assertThat(Units.count(view)).isEqualTo(SHAPE.heads());
        var key = param("block0.k");
        assertThat(UnitReduction.perUnit(key, Units.spread(view, new double[]{3, 5}), GroupReduction.L1))
                .containsExactly(new double[]{3, 5}, within(1e-4));
        double[] perChannel = new double[SHAPE.dModel()];
        perChannel[1] = 2;
        perChannel[9] = 7;
        assertThat(UnitReduction.perUnit(key, Units.spread(view, perChannel), GroupReduction.L1))
                .containsExactly(new double[]{2, 7}, within(1e-4));
        assertThatThrownBy(() -> Units.spread(view, new double[3]))
                .hasMessageContaining("has 2 output units of 8 channels, got 3 scores");
    }

    @Test
    void aScopeThatNamesAKeyOrValueLayerIsToldToNameTheQuery() {
        var params = NetworkLayout.prunable(net);
        var key = param("block0.k").weights();
        assertThatThrownBy(() -> Pruner.inScope(params, Granularity.structured(GroupReduction.L1), new Scope.PerLayer(Map.of(key, 0.5), Set.of())))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("attention heads are the heads of " + param("block0.q").weights());
    }

    private static final Provenance PROVENANCE = new Provenance("test", "1", Options.NONE, "one-shot", "1", 1L);

    @Test
    void anOraclesScoreIsTheWholeGroupsSoTheKeyAndValueAreNeitherScoredNorAddedAgain() {
        var params = NetworkLayout.prunable(net);
        var query = param("block0.q");
        // the head with the lowest score goes; only the query is scored, as the scorer leaves a loss probe's followers out
        float[] perHead = {3, 1};
        var scores = Map.of(query.weights(), Nd4j.create(Units.perWeight(query.kind(), query.shape(), perHead), query.shape(), 'c'));
        var measured = new Statistics(Set.of(Requirement.WEIGHTS, Requirement.LOSS_ORACLE), Map.of(), null, 0, Map.of());
        var plan = new Pruner().plan(params, ScoreSet.of(scores, "oracle", "1", measured), MaskSet.NONE,
                Granularity.structured(GroupReduction.L1), new Scope.PerLayer(Map.of(query.weights(), 0.5), Set.of()),
                new Pruner.StepTarget(1, 0.5, Map.of(query.weights(), 0.5)), PROVENANCE);
        for (String part : List.of("q", "k", "v")) {
            INDArray mask = plan.masks().get(param("block0." + part).weights());
            assertThat(mask.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 8)).minNumber().intValue()).as(part).isEqualTo(1);
            assertThat(mask.get(NDArrayIndex.all(), NDArrayIndex.interval(8, 16)).maxNumber().intValue()).as(part).isZero();
        }
        // a criterion that scores each layer alone needs the followers' scores, which it adds to the query's
        assertThatThrownBy(() -> new Pruner().plan(params, ScoreSet.of(scores, "magnitude", "1"), MaskSet.NONE,
                Granularity.structured(GroupReduction.L1), new Scope.PerLayer(Map.of(query.weights(), 0.5), Set.of()),
                new Pruner.StepTarget(1, 0.5, Map.of(query.weights(), 0.5)), PROVENANCE))
                .hasMessageContaining("no scores for " + param("block0.k").weights());
    }

    @Test
    void roundToRoundsAHeadsChannelsNotTheHeadCount() {
        var query = param("block0.q");
        var rounded = new Granularity.Structured(GroupReduction.L1, 8);
        // 2 heads of 8 channels: any head count keeps a multiple of 8 channels, so half the heads still go
        assertThat(rounded.rounded(query.units(), 1, query.unitWidth())).isEqualTo(1);
        // at round_to 16 only both heads together are a multiple: the kept count rounds up to 2
        assertThat(new Granularity.Structured(GroupReduction.L1, 16).rounded(query.units(), 1, query.unitWidth())).isZero();
        assertThat(ShrinkProjection.keptAt(query.units(), 0.5, rounded, query.unitWidth())).isEqualTo(1);
    }
}
