package dev.secateur.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.Fixtures;
import dev.secateur.errors.BadInputException;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.plugin.PluginHost;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Options;
import dev.secateur.spi.Requirement;
import java.util.EnumSet;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The scorer's shared statistics pass on real DL4J networks and embedded Fashion-MNIST. */
class StatisticsPassTest {

    private static final PluginHost plugins = Fixtures.plugins();

    private static Scorer.Method method(String id) {
        var found = plugins.saliency(id);
        return new Scorer.Method(found.extension(), found.version(), Options.NONE);
    }

    @Test
    void gathersNothingWhenOnlyMagnitudeIsRequested() {
        var net = Architecture.LENET_300_100.build(1L, 1e-3);
        var stats = new Scorer().gather(Network.of(net), NetworkLayout.prunable(net), List.of(method("magnitude"), method("random")), null);
        assertThat(stats.batches()).isZero();
        assertThat(stats.byParam()).isEmpty();
        assertThat(stats.calibration()).isNull();
    }

    @Test
    void gradientsAreThoseOfDl4jsOwnBackwardPass() {
        var net = Architecture.LENET_5.build(2L, 1e-3);
        var calibration = Fixtures.smallData().train().sample(100, 3L);
        var params = NetworkLayout.prunable(net);
        var stats = new StatisticsPass().gather(net, params, EnumSet.of(Requirement.GRADIENTS), calibration);

        net.setInput(calibration.features());
        net.setLabels(calibration.labels());
        net.computeGradientAndScore();
        for (var p : params) {
            // DL4J's gradient is the sum over the minibatch; ours is the mean per sample
            var expected = net.gradient().getGradientFor(p.weights().toString()).castTo(DataType.FLOAT).div(100);
            var actual = stats.of(p.weights()).get(Requirement.GRADIENTS);
            assertThat(actual.shape()).isEqualTo(p.shape());
            double scale = expected.norm2Number().doubleValue();
            assertThat(actual.sub(expected).norm2Number().doubleValue()).as(p.weights().toString()).isLessThan(1e-4 * scale + 1e-9);
        }
    }

    @Test
    void batchedPerSampleStatisticsEqualDl4jsBackpropOfEachSample() {
        for (var architecture : List.of(Architecture.LENET_300_100, Architecture.LENET_5)) {
            var net = architecture.build(4L, 1e-3);
            var calibration = Fixtures.smallData().train().sample(150, 5L);
            var params = NetworkLayout.prunable(net);
            var wanted = EnumSet.of(Requirement.GRADIENT_SQUARES, Requirement.SAMPLE_GRADIENTS);
            var batched = new StatisticsPass().gather(net, params, wanted, calibration);
            var slow = new StatisticsPass();
            slow.perSampleBackprop = true;
            var perSample = slow.gather(net, params, wanted, calibration);
            var fisherOnly = new StatisticsPass().gather(net, params, EnumSet.of(Requirement.GRADIENT_SQUARES), calibration);
            for (var p : params) {
                for (var requirement : wanted) {
                    var a = batched.of(p.weights()).get(requirement);
                    var b = perSample.of(p.weights()).get(requirement);
                    assertThat(a.shape()).isEqualTo(b.shape());
                    assertThat(a.sub(b).norm2Number().doubleValue()).as(p.weights() + " " + requirement)
                            .isLessThan(1e-4 * b.norm2Number().doubleValue());
                }
                // the dense closed form (x²)ᵀ(δ²), used when per-sample rows are not asked for
                var closedForm = fisherOnly.of(p.weights()).get(Requirement.GRADIENT_SQUARES);
                var reference = perSample.of(p.weights()).get(Requirement.GRADIENT_SQUARES);
                assertThat(closedForm.sub(reference).norm2Number().doubleValue()).as(p.weights() + " closed form")
                        .isLessThan(1e-4 * reference.norm2Number().doubleValue());
            }
        }
    }

    @Test
    void inputGramOfAConvolutionComesFromIm2colPatches() {
        var net = Architecture.LENET_5.build(6L, 1e-3);
        var calibration = Fixtures.smallData().train().sample(8, 7L);
        var conv = NetworkLayout.prunable(net).get(0);
        var stats = new StatisticsPass().gather(net, List.of(conv), EnumSet.of(Requirement.INPUT_GRAM), calibration);
        var gram = stats.of(conv.weights()).get(Requirement.INPUT_GRAM);
        assertThat(gram.shape()).containsExactly(25, 25);
        // diagonal entry (0,0): the mean over all 24×24 output positions of the squared top-left pixel of the patch
        var images = calibration.features().reshape(8, 28, 28);
        double sum = 0;
        for (int n = 0; n < 8; n++) {
            for (int y = 0; y < 24; y++) {
                for (int x = 0; x < 24; x++) {
                    double v = images.getDouble(n, y, x);
                    sum += v * v;
                }
            }
        }
        assertThat(gram.getDouble(0, 0)).isCloseTo(sum / (8 * 24 * 24), Assertions.within(1e-4));
        assertThat(gram.sub(gram.transpose()).norm2Number().doubleValue()).isLessThan(1e-4);
    }

    @Test
    void aRequirementTheModelCannotSupplyIsRefusedNamingPluginLayerAndRequirement() {
        var net = Architecture.LENET_300_100.build(1L, 1e-3);
        var taylor = method("taylor");
        assertThatThrownBy(() -> Scorer.checkRequirements(taylor.extension(), Options.NONE, net, NetworkLayout.prunable(net)))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("saliency 'taylor'")
                .hasMessageContaining("ACTIVATION_GRADIENTS")
                .hasMessageContaining("2_W")
                .hasMessageContaining("output layer");
    }

    @Test
    void obdScoresHalfTheFisherTimesTheSquaredWeight() {
        var net = Architecture.LENET_300_100.build(8L, 1e-3);
        var params = NetworkLayout.prunable(net);
        var calibration = Fixtures.smallData().train().sample(128, 9L);
        var scores = new Scorer().score(net, params, MaskSet.NONE, method("obd"),
                Granularity.unstructured(), 1L, calibration);
        var fisher = scores.statistics().of(params.get(1).weights()).get(Requirement.GRADIENT_SQUARES);
        var w = net.getParam("1_W");
        var expected = w.mul(w).mul(fisher).mul(0.5);
        assertThat(scores.scores().get(params.get(1).weights()).sub(expected).norm2Number().doubleValue())
                .isLessThan(1e-6 * expected.norm2Number().doubleValue() + 1e-12);
        assertThat(Transforms.abs(fisher, true).minNumber().doubleValue()).isGreaterThanOrEqualTo(0);
    }
}
