package dev.secateur.plugins.magnitude;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.spi.Options;
import dev.secateur.spi.testing.ArrayParamView;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class MagnitudeSaliencyTest {

    private final MagnitudeSaliency magnitude = new MagnitudeSaliency();
    private final ArrayParamView param = ArrayParamView.dense("0_W",
            Nd4j.createFromArray(new float[][]{{-3f, 1f}, {0.5f, -2f}}), 1L);

    @Test
    void l1ScoresAreAbsoluteValuesAndLeaveWeightsUntouched() {
        var before = param.weights().dup();
        var scores = magnitude.score(param, Options.NONE);
        assertThat(scores.toFloatMatrix()).isEqualTo(new float[][]{{3f, 1f}, {0.5f, 2f}});
        assertThat(param.weights()).isEqualTo(before);
    }

    @Test
    void l2ScoresAreSquares() {
        var scores = magnitude.score(param, Options.of(Map.of("norm", "L2")));
        assertThat(scores.toFloatMatrix()).isEqualTo(new float[][]{{9f, 1f}, {0.25f, 4f}});
    }

    @Test
    void lampScoresEachSquareOverTheSquaresAtLeastAsLargeInItsLayer() {
        // squares 9, 1, 0.25, 4: ascending 0.25, 1, 4, 9, whose sums from each upwards are 14.25, 14, 13, 9
        var scores = magnitude.score(param, Options.of(Map.of("norm", "lamp")));
        assertThat(scores.toFloatMatrix()).isEqualTo(new float[][]{{1f, 1f / 14}, {0.25f / 14.25f, 4f / 13}});
        // so a layer's largest weight scores 1 whatever its scale, and scaling a layer changes none of its scores
        var scaled = ArrayParamView.dense("0_W", param.weights().mul(100), 1L);
        assertThat(magnitude.score(scaled, Options.of(Map.of("norm", "lamp"))).toFloatMatrix())
                .isEqualTo(scores.toFloatMatrix());
    }

    @Test
    void unknownNormIsRefusedWithTheAllowedValues() {
        assertThatThrownBy(() -> magnitude.validate(Options.of(Map.of("norm", "l3"))))
                .hasMessage("option 'norm' = 'l3' is not one of l1, l2, lamp");
    }

    @Test
    void sameInputGivesSameScores() {
        assertThat(magnitude.score(param, Options.NONE)).isEqualTo(magnitude.score(param, Options.NONE));
    }
}
