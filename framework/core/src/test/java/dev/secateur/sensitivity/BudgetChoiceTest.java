package dev.secateur.sensitivity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.model.Architecture;
import dev.secateur.shrink.ShrinkProjection;
import dev.secateur.spec.SensitivitySpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** A budget is counted on the network the pruner will build, with every layer's kept units rounded as round_to rounds them. */
class BudgetChoiceTest {

    private static final List<Double> RATIOS = List.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9);

    @Test
    void withRoundToEveryChosenLayerKeepsAMultipleAndTheRoundedNetworkMeetsTheBudget() {
        var net = Architecture.RESNET_SMALL.network(1L, 1e-3);
        var example = Nd4j.rand(DataType.FLOAT, 1, 784);
        // every group loses accuracy alike with its ratio, so only the savings decide
        var accuracies = new LinkedHashMap<String, double[]>();
        for (String group : List.of("0_W", "2_W", "7_W", "9_W", "14_W")) {
            double[] curve = new double[RATIOS.size()];
            for (int i = 0; i < curve.length; i++) {
                curve[i] = 0.9 - 0.01 * (i + 1);
            }
            accuracies.put(group, curve);
        }
        var curves = new SensitivityCurves(0.9, RATIOS, accuracies);
        var budget = new SensitivitySpec.Budget(SensitivitySpec.Measure.FLOPS, 0.3);
        var rounded = new Granularity.Structured(GroupReduction.L1, 16);

        var choice = BudgetChoice.choose(net, example, curves, budget, rounded);
        choice.ratios().forEach((group, ratio) -> {
            long units = choice.units().get(group);
            long removed = rounded.rounded(units, Math.round(ratio * units));
            assertThat((units - removed) % 16).as("kept units of %s at ratio %s", group, ratio).isZero();
        });
        // the network the pruner builds, counted apart from the solver: kept units rounded up as the pruner rounds them
        var projection = ShrinkProjection.of(net, example);
        var kept = new LinkedHashMap<String, Long>();
        choice.ratios().forEach((group, ratio) -> {
            long units = choice.units().get(group);
            kept.put(group, units - rounded.rounded(units, Math.round(ratio * units)));
        });
        assertThat(projection.project(kept).flopsCut(projection.dense())).as("FLOPs cut of the rounded network").isGreaterThanOrEqualTo(0.3 - 1e-9);
        // a ratio that rounding undoes is never chosen: each chosen group really loses units
        choice.ratios().forEach((group, ratio) -> {
            if (ratio > 0) {
                assertThat(rounded.rounded(choice.units().get(group), Math.round(ratio * choice.units().get(group)))).isPositive();
            }
        });
    }
}
