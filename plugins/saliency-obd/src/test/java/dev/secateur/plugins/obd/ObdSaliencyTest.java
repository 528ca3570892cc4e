package dev.secateur.plugins.obd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.spi.Options;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.testing.ArrayParamView;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The arithmetic; the Fisher itself is checked against a finite-difference Hessian in the core's ObdHessianCheckTest. */
class ObdSaliencyTest {

    @Test
    void scoresHalfTheCurvatureTimesTheSquaredWeight() {
        var w = Nd4j.createFromArray(new float[][]{{-2f, 1f}, {0.5f, 3f}});
        var view = ArrayParamView.dense("1_W", w, 1L)
                .with(Requirement.GRADIENT_SQUARES, Nd4j.createFromArray(new float[][]{{1f, 4f}, {8f, 0f}}));
        assertThat(new ObdSaliency().score(view, Options.NONE).toFloatMatrix())
                .isEqualTo(new float[][]{{2f, 2f}, {1f, 0f}});
        assertThat(new ObdSaliency().requirements()).contains(Requirement.GRADIENT_SQUARES);
    }
}
