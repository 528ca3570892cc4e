package dev.secateur.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.L2Regularization;

/**
 * A copy trains apart from its original: a recovery-aware sensitivity probe retrains a copy with its own learning
 * rate and L2 penalty, which must not reach the network the run goes on with.
 */
class NetworkCopyTest {

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"LENET_300_100", "RESNET_SMALL"})
    void aCopysLearningRateRegularizationAndWeightsLeaveTheOriginalAsItWas(Architecture architecture) {
        var original = architecture.network(3L, 1e-3);
        var copy = original.copy();
        copy.setLearningRate(0.5);
        for (int i = 0; i < copy.layerCount(); i++) {
            if (copy.layer(i).conf().getLayer() instanceof BaseLayer layer) {
                layer.setRegularization(List.of(new L2Regularization(0.1)));
            }
        }
        copy.layer(0).getParam("W").addi(1.0);
        int checked = 0;
        for (int i = 0; i < original.layerCount(); i++) {
            if (original.layer(i).conf().getLayer() instanceof BaseLayer layer && layer.getIUpdater() instanceof Adam adam) {
                assertThat(adam.getLearningRate()).as("layer %d's learning rate", i).isEqualTo(1e-3);
                assertThat(layer.getRegularization()).as("layer %d's regularization", i).noneMatch(r -> r instanceof L2Regularization);
                checked++;
            }
        }
        assertThat(checked).as("layers with Adam").isPositive();
        assertThat(original.layer(0).getParam("W").equalsWithEps(copy.layer(0).getParam("W"), 1e-3)).isFalse();
    }
}
