package dev.secateur.plugins.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.LossProbe;
import dev.secateur.spi.Options;
import dev.secateur.spi.testing.ArrayParamView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class OracleSaliencyTest {

    private final OracleSaliency oracle = new OracleSaliency();
    private final List<String> probes = new ArrayList<>();

    /** A loss that rises by unit² when a unit is removed and falls by 0.5 for unit 2; weight i costs i. */
    private final LossProbe probe = new LossProbe() {
        @Override
        public double baseLoss() {
            return 1.0;
        }

        @Override
        public double lossWithoutUnit(int unit) {
            probes.add("unit " + unit);
            return unit == 2 ? 0.5 : 1.0 + unit * unit;
        }

        @Override
        public double lossWithoutWeight(long index) {
            probes.add("weight " + index);
            return 1.0 + index;
        }
    };

    @Test
    void structuredScoresAreTheAbsoluteLossChangePerUnit() {
        var view = ArrayParamView.dense("0_W", Nd4j.ones(DataType.FLOAT, 2, 4), 1L)
                .with(Granularity.structured(GroupReduction.L1), probe);
        var perUnit = oracle.score(view, Options.NONE).sum(0).toDoubleVector();
        assertThat(perUnit).containsExactly(new double[]{0, 1, 0.5, 9}, within(1e-6));
        assertThat(probes).containsExactly("unit 0", "unit 1", "unit 2", "unit 3");
    }

    @Test
    void unstructuredMeasuresASeededSampleAndLeavesTheRestUnmeasured() {
        var view = ArrayParamView.dense("0_W", Nd4j.ones(DataType.FLOAT, 4, 5), 7L).with(Granularity.unstructured(), probe);
        var scores = oracle.score(view, Options.of(Map.of("samples", 6))).dup('c').reshape(20).toDoubleVector();
        int measured = 0;
        for (int i = 0; i < 20; i++) {
            if (!Double.isNaN(scores[i])) {
                measured++;
                assertThat(scores[i]).isEqualTo(i);
            }
        }
        assertThat(measured).isEqualTo(6);
        var again = new ArrayList<>(probes);
        probes.clear();
        oracle.score(view, Options.of(Map.of("samples", 6)));
        assertThat(probes).isEqualTo(again);
        assertThatThrownBy(() -> oracle.validate(Options.of(Map.of("samples", -1)))).hasMessageContaining("samples");
    }
}
