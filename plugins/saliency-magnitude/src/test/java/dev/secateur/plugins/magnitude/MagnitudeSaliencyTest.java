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
    void unknownNormIsRefusedWithTheAllowedValues() {
        assertThatThrownBy(() -> magnitude.validate(Options.of(Map.of("norm", "l3"))))
                .hasMessage("option 'norm' = 'l3' is not one of l1, l2");
    }

    @Test
    void sameInputGivesSameScores() {
        assertThat(magnitude.score(param, Options.NONE)).isEqualTo(magnitude.score(param, Options.NONE));
    }
}
