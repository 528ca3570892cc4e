package dev.secateur.shrink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.evaluate.BatchNormFolding;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.model.Architecture;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The profile times every layer and attributes the census's FLOPs to the layers that have weights. */
class LayerProfileTest {

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"LENET_5", "RESNET_SMALL"})
    void everyLayerIsTimedAndTheFlopsAddUpToTheCensus(Architecture architecture) {
        var net = architecture.network(2L, 1e-3);
        var x = Nd4j.rand(DataType.FLOAT, 8, 784);
        var rows = LayerProfile.of(net, x, 1, 3);
        assertThat(rows).hasSize(net.layerCount());
        assertThat(rows).allSatisfy(row -> assertThat(row.ms()).isPositive());
        long flops = rows.stream().mapToLong(LayerProfile.Row::flops).sum();
        assertThat(flops).isEqualTo(new Evaluator().census(net, x.getRow(0, true)).flops());
        assertThat(rows.get(0).type()).isEqualTo("ConvolutionLayer");
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"LENET_5", "RESNET_SMALL", "LENET_300_100"})
    void thePassTheProfileTimesComputesWhatTheNetworkComputes(Architecture architecture) {
        var net = architecture.network(2L, 1e-3);
        var x = Nd4j.rand(DataType.FLOAT, 8, 784);
        var profiled = LayerProfile.pass(net, x).output();
        var own = net.output(x);
        assertThat(profiled.shape()).containsExactly(8, 10);
        assertThat(profiled.sub(own).amaxNumber().doubleValue()).as("largest difference from the network's output").isLessThan(1e-6);
    }

    @Test
    void aRemovalsProfileTimesTheLayersOfTheFoldedCopyAsItsLatenciesAreTimed() {
        var net = Architecture.VGG_SMALL.network(2L, 1e-3);
        var folded = BatchNormFolding.forInference(net);
        assertThat(folded.layerCount()).as("vgg-small folds its normalisations").isLessThan(net.layerCount());
        var figures = new ArrayList<RemovalFigure>();
        var lines = SideBySide.profile(net, net.copy(), Nd4j.rand(DataType.FLOAT, 4, 784), figures);
        assertThat(lines.get(0)).contains("batch normalisation folded");
        var timed = figures.stream().filter(f -> f.measure().equals(RemovalFigure.LAYER_MS)).map(RemovalFigure::layer).toList();
        assertThat(timed).hasSize(folded.layerCount());
        assertThat(timed).noneMatch(layer -> layer.endsWith("BatchNormalization"));
        // numbered as the model's layers, which the normalisations' removal would shift
        for (int i = 0; i < folded.layerCount(); i++) {
            String name = folded.layer(i).conf().getLayer().getLayerName();
            int original = -1;
            for (int j = 0; j < net.layerCount(); j++) {
                original = original < 0 && net.layer(j).conf().getLayer().getLayerName().equals(name) ? j : original;
            }
            assertThat(timed).contains(original + " " + folded.layer(i).conf().getLayer().getClass().getSimpleName());
        }
        assertThat(timed).contains("2 ConvolutionLayer");
    }
}
