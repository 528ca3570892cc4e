package dev.secateur.plugins.wanda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.spi.LayerKind;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.testing.ArrayParamView;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class WandaSaliencyTest {

    private final WandaSaliency wanda = new WandaSaliency();

    @Test
    void denseScoresAreWeightMagnitudesTimesInputNorms() {
        // inputs: feature 0 has norm 3, feature 1 has norm 1 (mean XᵀX diagonal 9 and 1)
        var w = Nd4j.createFromArray(new float[][]{{-1f, 2f}, {3f, -4f}});
        var view = ArrayParamView.dense("0_W", w, 1L)
                .with(Requirement.INPUT_GRAM, Nd4j.createFromArray(new float[][]{{9f, 0.5f}, {0.5f, 1f}}));
        var scores = wanda.score(view, Options.NONE).toFloatMatrix();
        assertThat(scores).isEqualTo(new float[][]{{3f, 6f}, {3f, 4f}});
        assertThat(w.toFloatMatrix()).isEqualTo(new float[][]{{-1f, 2f}, {3f, -4f}});
    }

    @Test
    void convolutionScoresUseThePatchNormOfEachChannelAndKernelPosition() {
        long[] shape = {2, 3, 2, 2};
        var w = Nd4j.ones(DataType.FLOAT, shape);
        float[] diagonal = new float[12];
        for (int j = 0; j < 12; j++) {
            diagonal[j] = (j + 1) * (j + 1);
        }
        var view = new ArrayParamView(ParamRef.parse("0_W"), LayerKind.CONVOLUTION, w, Nd4j.onesLike(w), Map.of(), 1L)
                .with(Requirement.INPUT_GRAM, Nd4j.diag(Nd4j.createFromArray(diagonal)));
        var scores = wanda.score(view, Options.NONE);
        // patch column j = c·4 + kh·2 + kw, the C order of a filter's weights
        assertThat(scores.getDouble(1, 2, 1, 0)).isCloseTo(2 * 4 + 1 * 2 + 0 + 1, within(1e-5));
        assertThat(scores.getDouble(0, 0, 0, 0)).isCloseTo(1, within(1e-5));
    }
}
