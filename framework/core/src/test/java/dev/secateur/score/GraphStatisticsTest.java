package dev.secateur.score;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.Fixtures;
import dev.secateur.data.Dataset;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.PrunableParam;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.Options;
import dev.secateur.spi.Requirement;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The statistics pass on a ComputationGraph (resnet-small: residual adds, batch normalisation, global pooling),
 * against finite differences of the network's own inference-mode loss, in double precision.
 */
class GraphStatisticsTest {

    private static final int SAMPLES = 6;
    private static final double H = 1e-5;
    private static Network net;
    private static Dataset calibration;
    private static List<PrunableParam> params;

    @BeforeAll
    static void build() {
        var graph = Architecture.RESNET_SMALL.network(11L, 1e-3).graph();
        // batch normalisation with running statistics of its own, so inference differs from a fresh network's
        Nd4j.getRandom().setSeed(5);
        for (var layer : graph.getLayers()) {
            if (layer instanceof BatchNormalization) {
                var table = layer.paramTable();
                table.get("mean").assign(Nd4j.rand(table.get("mean").shape()).subi(0.5).muli(0.4));
                table.get("gamma").assign(Nd4j.rand(table.get("gamma").shape()).addi(0.5));
                table.get("beta").assign(Nd4j.rand(table.get("beta").shape()).subi(0.5).muli(0.2));
                var spread = table.containsKey("log10stdev") ? table.get("log10stdev") : table.get("var");
                spread.assign(table.containsKey("log10stdev") ? Nd4j.rand(spread.shape()).muli(0.3).subi(0.15)
                        : Nd4j.rand(spread.shape()).addi(0.5));
            }
        }
        net = Network.of(graph.convertDataType(DataType.DOUBLE));
        calibration = Fixtures.smallData().train().sample(SAMPLES, 3L);
        params = NetworkLayout.prunable(net);
    }

    /** Mean cross-entropy of the network in inference mode over {@code rows} of the calibration set. */
    private static double loss(int from, int to) {
        var x = calibration.features().get(NDArrayIndex.interval(from, to),
                NDArrayIndex.all());
        var y = calibration.labels().get(NDArrayIndex.interval(from, to),
                NDArrayIndex.all()).castTo(DataType.DOUBLE);
        INDArray p = net.output(x).castTo(DataType.DOUBLE);
        return -Transforms.log(p.mul(y).sum(1), false).meanNumber().doubleValue();
    }

    /** d loss(from..to) / d w at {@code index} of the parameter, by central differences. */
    private static double numeric(PrunableParam param, long index, int from, int to) {
        // C-order subscripts on the live array: a reshape of a dense layer's 'f'-ordered weights would be a copy
        var w = weights(param);
        long[] at = Shape.ind2subC(w.shape(), index);
        double v = w.getDouble(at);
        w.putScalar(at, v + H);
        double plus = loss(from, to);
        w.putScalar(at, v - H);
        double minus = loss(from, to);
        w.putScalar(at, v);
        return (plus - minus) / (2 * H);
    }

    /** The live weights of a parameter, by its layer index (a graph's parameter table is keyed by vertex name). */
    private static INDArray weights(PrunableParam param) {
        return net.layer(param.weights().layer()).getParam(param.weights().key());
    }

    private static long[] probes(PrunableParam param) {
        long size = param.size();
        return new long[]{0, size / 3, size / 2 + 1, size - 1};
    }

    @Test
    void gradientsMatchFiniteDifferencesThroughResidualAddsAndBatchNorm() {
        var stats = new StatisticsPass().gather(net, params, EnumSet.of(Requirement.GRADIENTS), calibration);
        assertThat(params).hasSizeGreaterThanOrEqualTo(8);
        for (var param : params) {
            var gradient = stats.of(param.weights()).get(Requirement.GRADIENTS).reshape(-1);
            for (long index : probes(param)) {
                double expected = numeric(param, index, 0, SAMPLES);
                assertThat(gradient.getDouble(index)).as("%s[%d]", param.weights(), index)
                        .isCloseTo(expected, Assertions.within(1e-4 * Math.abs(expected) + 1e-6));
            }
        }
    }

    @Test
    void theFisherDiagonalIsTheMeanSquaredPerSampleGradient() {
        var stats = new StatisticsPass().gather(net, params, EnumSet.of(Requirement.GRADIENT_SQUARES), calibration);
        for (var param : List.of(params.get(0), params.get(3), params.get(params.size() - 1))) {
            var fisher = stats.of(param.weights()).get(Requirement.GRADIENT_SQUARES).reshape(-1);
            for (long index : probes(param)) {
                double sum = 0;
                for (int n = 0; n < SAMPLES; n++) {
                    double g = numeric(param, index, n, n + 1);
                    sum += g * g;
                }
                double expected = sum / SAMPLES;
                assertThat(fisher.getDouble(index)).as("%s[%d]", param.weights(), index)
                        .isCloseTo(expected, Assertions.within(1e-4 * expected + 1e-9));
            }
        }
    }

    @Test
    void theTaylorTermIsTheLossChangeWhenAFiltersOutputIsScaled() {
        // the convolutions are linear (batch normalisation follows), so scaling filter c's weights and bias by
        // (1 + t) scales its output a_c, and dL_n/dt at 0 is the sum over positions of a_c·dL_n/da_c
        var conv = params.stream().filter(p -> p.kind() == LayerKind.CONVOLUTION).skip(1).findFirst().orElseThrow();
        var stats = new StatisticsPass().gather(net, List.of(conv),
                EnumSet.of(Requirement.ACTIVATIONS, Requirement.ACTIVATION_GRADIENTS), calibration);
        var taylor = stats.of(conv.weights()).get(Requirement.ACTIVATION_GRADIENTS);
        int filters = (int) conv.units();
        assertThat(taylor.shape()).containsExactly(SAMPLES, filters);
        long positions = stats.outputPositions().get(conv.weights());
        var w = weights(conv);
        var b = net.layer(conv.weights().layer()).getParam("b").reshape(-1);
        for (int channel : new int[]{0, filters / 2, filters - 1}) {
            for (int n = 0; n < SAMPLES; n++) {
                scaleFilter(w, b, channel, 1 + H);
                double plus = loss(n, n + 1);
                scaleFilter(w, b, channel, (1 - H) / (1 + H));
                double minus = loss(n, n + 1);
                scaleFilter(w, b, channel, 1 / (1 - H));
                double expected = (plus - minus) / (2 * H) / positions;
                assertThat(taylor.getDouble(n, channel)).as("sample %d, channel %d", n, channel)
                        .isCloseTo(expected, Assertions.within(1e-4 * Math.abs(expected) + 1e-7));
            }
        }
    }

    /** Multiplies filter c's weights and bias by {@code factor}, element by element on the live arrays. */
    private static void scaleFilter(INDArray w, INDArray b, int channel, double factor) {
        for (long i = 0; i < w.size(1); i++) {
            for (long y = 0; y < w.size(2); y++) {
                for (long x = 0; x < w.size(3); x++) {
                    long[] at = {channel, i, y, x};
                    w.putScalar(at, w.getDouble(at) * factor);
                }
            }
        }
        b.putScalar(channel, b.getDouble(channel) * factor);
    }

    @Test
    void theOraclesLossWithoutAUnitIsTheNetworksLossWithItsFilterAndBatchNormChannelZeroed() {
        var conv = params.stream().filter(p -> p.kind() == LayerKind.CONVOLUTION && !p.coupled().isEmpty())
                .skip(1).findFirst().orElseThrow();
        var probe = LossProbes.local(net, conv, calibration);
        int unit = 3;
        double measured = probe.lossWithoutUnit(unit);
        double before = loss(0, SAMPLES);
        assertThat(probe.baseLoss()).isCloseTo(before, Assertions.within(1e-9));

        // the same removal by hand: filter 3's weights and bias, and channel 3 of the batch normalisation after it
        var w = weights(conv);
        var saved = w.dup();
        var b = net.layer(conv.weights().layer()).getParam("b").reshape(-1);
        double savedB = b.getDouble(unit);
        for (long i = 0; i < w.size(1); i++) {
            for (long y = 0; y < w.size(2); y++) {
                for (long x = 0; x < w.size(3); x++) {
                    w.putScalar(new long[]{unit, i, y, x}, 0);
                }
            }
        }
        b.putScalar(unit, 0);
        var coupledSaved = new ArrayList<Double>();
        for (var ref : conv.coupled()) {
            var channel = net.layer(ref.layer()).getParam(ref.key());
            coupledSaved.add(channel.getDouble(unit));
            channel.putScalar(unit, 0);
        }
        double expected = loss(0, SAMPLES);
        w.assign(saved);
        b.putScalar(unit, savedB);
        for (int i = 0; i < conv.coupled().size(); i++) {
            var ref = conv.coupled().get(i);
            net.layer(ref.layer()).getParam(ref.key()).putScalar(unit, coupledSaved.get(i));
        }
        assertThat(measured).isCloseTo(expected, Assertions.within(1e-9)).isNotCloseTo(before,
                Assertions.within(1e-9));
        assertThat(loss(0, SAMPLES)).as("the probe put everything back").isCloseTo(before, Assertions.within(1e-12));
    }

    @Test
    void taylorObdWandaObsAndTheOracleScoreTheResNet() {
        var plugins = Fixtures.plugins();
        var resnet = Architecture.RESNET_SMALL.network(3L, 1e-3);
        var layout = NetworkLayout.prunable(resnet);
        var data = Fixtures.smallData().train().sample(64, 4L);
        for (String id : List.of("taylor", "obd", "wanda", "obs", "oracle")) {
            var found = plugins.saliency(id);
            var inScope = id.equals("taylor") || id.equals("oracle")
                    ? layout.stream().filter(p -> p.kind() == LayerKind.CONVOLUTION).limit(2).toList() : layout;
            var granularity = id.equals("oracle") ? new Granularity.Structured(GroupReduction.L1) : Granularity.unstructured();
            var scores = new Scorer().score(resnet, inScope, MaskSet.NONE, new Scorer.Method(found.extension(), found.version(), Options.NONE),
                    granularity, 1L, data);
            for (var p : inScope) {
                var s = scores.scores().get(p.weights());
                assertThat(s.shape()).as(id + " " + p.weights()).isEqualTo(p.shape());
                assertThat(Double.isFinite(s.sumNumber().doubleValue())).as(id + " " + p.weights()).isTrue();
                assertThat(s.amaxNumber().doubleValue()).as(id + " " + p.weights()).isGreaterThan(0);
            }
        }
    }

}
