package dev.secateur.sensitivity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** Curves assembled from independent probe results, in the order the probes were asked for. */
class SensitivityCurvesTest {

    private static SensitivityProbe.Point point(double accuracy, double latency) {
        return new SensitivityProbe.Point(accuracy, latency);
    }

    @Test
    void pointsAreReadGroupByGroupAndRatioByRatio() {
        var curves = SensitivityCurves.of(0.9, List.of(0.25, 0.5), List.of("0_W", "2_W"),
                List.of(point(0.88, 0.9), point(0.80, 0.8), point(0.89, 0.95), point(0.70, 0.7)), true);
        assertThat(curves.accuracies().get("0_W")).containsExactly(0.88, 0.80);
        assertThat(curves.accuracies().get("2_W")).containsExactly(0.89, 0.70);
        assertThat(curves.latencyRatios().get("2_W")).containsExactly(0.95, 0.7);
        assertThat(curves.drop("2_W", 1)).isCloseTo(0.2, Offset.offset(1e-12));
        assertThat(curves.latencyCut(Map.of("0_W", 0.5, "2_W", 0.25))).isCloseTo(0.25, Offset.offset(1e-12));
    }

    @Test
    void untimedProbesGiveNoLatencyCurvesAndAMissingPointIsRefused() {
        var curves = SensitivityCurves.of(0.9, List.of(0.5), List.of("0_W"), List.of(point(0.8, Double.NaN)), false);
        assertThat(curves.timed()).isFalse();
        assertThatThrownBy(() -> SensitivityCurves.of(0.9, List.of(0.25, 0.5), List.of("0_W"), List.of(point(0.8, 1)), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 points for 1 groups at 2 ratios");
    }
}
