package dev.secateur.plugins.activation;

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
import org.nd4j.linalg.indexing.NDArrayIndex;

class ActivationSaliencyTest {

    @Test
    void filtersScoreTheirAbsoluteMeanActivation() {
        var w = Nd4j.ones(DataType.FLOAT, 2, 1, 3, 3);
        var view = new ArrayParamView(ParamRef.parse("0_W"), LayerKind.CONVOLUTION, w, Nd4j.onesLike(w), Map.of(), 1L)
                .with(Requirement.ACTIVATIONS, Nd4j.createFromArray(new float[][]{{1f, -0.5f}, {3f, -1.5f}}));
        var scores = new ActivationSaliency().score(view, Options.NONE);
        // filter 0: |2| spread over 9 weights; filter 1: |-1| spread over 9
        assertThat(scores.get(NDArrayIndex.point(0)).sumNumber().doubleValue()).isCloseTo(2.0, within(1e-5));
        assertThat(scores.get(NDArrayIndex.point(1)).sumNumber().doubleValue()).isCloseTo(1.0, within(1e-5));
    }
}
