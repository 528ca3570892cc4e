package dev.secateur.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.L2Regularization;

/**
 * A copy trains apart from its original: a recovery-aware sensitivity probe retrains a copy with its own learning
 * rate and L2 penalty, which must not reach the network the run goes on with, nor the original's reach the copy.
 */
class NetworkCopyTest {

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"LENET_300_100", "RESNET_SMALL"})
    void aCopysOptimiserSettingsAreItsOwnInItsLayersAndItsUpdaterWithTheStateKept(Architecture architecture) {
        var original = architecture.network(3L, 1e-3);
        // trained one batch, so that the clone builds the copy's updater and carries Adam's moments
        var x = Nd4j.rand(DataType.FLOAT, 8, original.inputSize());
        var y = Nd4j.zeros(DataType.FLOAT, 8, 10);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 10, 1);
        }
        original.fit(new ListDataSetIterator<>(new DataSet(x, y).asList(), 8));
        var copy = original.copy();
        assertThat(copy.updaterState()).as("Adam's moments carried over").isEqualTo(original.updaterState());

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

        // the other way: the original given another rate leaves the copy's updater reading its own settings
        var second = original.copy();
        original.setLearningRate(0.25);
        int blocks = 0;
        for (var block : updater(second).getUpdaterBlocks()) {
            if (block.getGradientUpdater().getConfig() instanceof Adam adam) { // batch norm's running statistics have none
                assertThat(adam.getLearningRate()).as("the copy's updater").isEqualTo(1e-3);
                blocks++;
            }
        }
        assertThat(blocks).as("updater blocks with Adam").isPositive();
    }

    private static BaseMultiLayerUpdater<?> updater(Network net) {
        return net.model() instanceof ComputationGraph graph ? graph.getUpdater(true)
                : (BaseMultiLayerUpdater<?>) ((MultiLayerNetwork) net.model()).getUpdater(true);
    }
}
