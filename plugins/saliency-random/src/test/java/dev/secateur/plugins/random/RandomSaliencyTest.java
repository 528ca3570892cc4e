package dev.secateur.plugins.random;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.spi.Options;
import dev.secateur.spi.testing.ArrayParamView;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class RandomSaliencyTest {

    private final RandomSaliency random = new RandomSaliency();

    @Test
    void sameSeedGivesSameScoresAndAnotherSeedDoesNot() {
        var w = Nd4j.rand(30, 20);
        var a = random.score(ArrayParamView.dense("0_W", w, 7L), Options.NONE);
        var b = random.score(ArrayParamView.dense("0_W", w, 7L), Options.NONE);
        var c = random.score(ArrayParamView.dense("0_W", w, 8L), Options.NONE);
        assertThat(a).isEqualTo(b);
        assertThat(a).isNotEqualTo(c);
        assertThat(a.shape()).isEqualTo(w.shape());
    }

    @Test
    void scoresAreUniformInUnitIntervalAndIgnoreTheWeights() {
        var scores = random.score(ArrayParamView.dense("0_W", Nd4j.zeros(200, 100), 3L), Options.NONE);
        assertThat(scores.minNumber().doubleValue()).isGreaterThanOrEqualTo(0.0);
        assertThat(scores.maxNumber().doubleValue()).isLessThan(1.0);
        // mean of 20,000 U(0,1) draws: standard error 0.002
        assertThat(scores.meanNumber().doubleValue()).isBetween(0.49, 0.51);
    }
}
