package dev.secateur.plugins.taylor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.spi.Options;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.testing.ArrayParamView;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class TaylorSaliencyTest {

    private final TaylorSaliency taylor = new TaylorSaliency();

    /** Three neurons of a [4, 3] dense layer; per-sample Taylor terms for two samples. */
    private ArrayParamView view() {
        var w = Nd4j.ones(DataType.FLOAT, 4, 3);
        return ArrayParamView.dense("0_W", w, 1L).with(Requirement.ACTIVATION_GRADIENTS,
                Nd4j.createFromArray(new float[][]{{0.3f, -1f, 0.1f}, {0.1f, -3f, -0.1f}}));
    }

    @Test
    void scoresAreAbsoluteMeanTermsNormalisedPerLayerAndSpreadOverEachNeuron() {
        var scores = taylor.score(view(), Options.NONE);
        // |mean| per neuron: 0.2, 2.0, 0.0; L2 norm sqrt(4.04)
        double norm = Math.sqrt(0.04 + 4.0);
        double[] perNeuron = scores.sum(0).toDoubleVector();
        assertThat(perNeuron[0]).isCloseTo(0.2 / norm, within(1e-6));
        assertThat(perNeuron[1]).isCloseTo(2.0 / norm, within(1e-6));
        assertThat(perNeuron[2]).isCloseTo(0.0, within(1e-6));
        // equal shares within a neuron
        assertThat(scores.getDouble(0, 1)).isCloseTo(scores.getDouble(3, 1), within(1e-9));
    }

    @Test
    void theFlopsPenaltyLowersEveryUnitAndNeverGoesNegative() {
        var plain = taylor.score(view(), Options.NONE).sum(0).toDoubleVector();
        var penalised = taylor.score(view(), Options.of(Map.of("flops", 1e5))).sum(0).toDoubleVector();
        // each neuron costs 2·4·1 FLOPs = 8e-6 MFLOPs, times λ = 1e5 is 0.8
        assertThat(penalised[1]).isCloseTo(plain[1] - 0.8, within(1e-5));
        assertThat(penalised[0]).isZero();
        assertThatThrownBy(() -> taylor.validate(Options.of(Map.of("flops", -1)))).hasMessageContaining("flops");
    }
}
