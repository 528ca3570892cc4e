package dev.secateur.result;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SpeedupSummaryTest {

    private static StepResult step(int step, long effectiveFlops, double latency, double large) {
        return new StepResult(step, 0.9 * step, 0.9 * step, 0.8, 0.5, 1000, 1000 - 900L * step, 2000, effectiveFlops, latency,
                Double.NaN, new TreeMap<>(), 256, large);
    }

    @Test
    void putsTheFlopsCutNextToTheMeasuredLatencyAndWarnsForUnstructuredSparsity() {
        var lines = SpeedupSummary.lines(List.of(step(0, 2000, 0.40, 8.0), step(1, 500, 0.38, 7.9)), "unstructured");
        assertThat(lines.get(0)).isEqualTo("FLOPs per example: 2,000 dense, 500 effective after step 1 (75.0% fewer, if zeros were skipped)");
        assertThat(lines.get(1)).isEqualTo("measured latency, step 0 -> step 1: 0.400 -> 0.380 ms (x1.05) at batch 1, "
                + "8.000 -> 7.900 ms (x1.01) at batch 256");
        assertThat(lines.get(2)).startsWith("little speed-up is expected: unstructured sparsity leaves the tensors their shape");
        assertThat(SpeedupSummary.lines(List.of(step(0, 2000, 0.4, 8), step(1, 900, 0.4, 8)), "nm-2-4").get(2))
                .contains("nm-2-4 sparsity");
        assertThat(SpeedupSummary.lines(List.of(step(0, 2000, 0.4, 8), step(1, 900, 0.4, 8)), "structured-l1").get(2))
                .contains("masked, not removed");
    }

    @Test
    void usesTheLastMeasuredStepAndSaysNothingWithoutOne() {
        var lines = SpeedupSummary.lines(List.of(step(0, 2000, 0.4, 8), step(1, 1000, 0.3, 6), step(2, 500, Double.NaN, Double.NaN)),
                "unstructured");
        assertThat(lines.get(1)).startsWith("measured latency, step 0 -> step 1: 0.400 -> 0.300 ms");
        assertThat(SpeedupSummary.lines(List.of(step(0, 2000, 0.4, 8)), "unstructured")).isEmpty();
    }

    @Test
    void statesTrainingAndEvaluationThroughputAndOnlyWhatWasMeasured() {
        var rows = List.of(
                new StepResult(0, 0, 0, 0.9, 0.3, 1000, 1000, 2000, 2000, 0.4, 1200.0, new TreeMap<>(), 256, 8.0, Double.NaN, 9000.0),
                new StepResult(1, 0.5, 0.5, 0.9, 0.3, 1000, 500, 2000, 1000, 0.4, 1800.0, new TreeMap<>(), 256, 8.0, Double.NaN, 11000.0),
                new StepResult(2, 0.7, 0.7, 0.9, 0.3, 1000, 300, 2000, 600, 0.4, Double.NaN, new TreeMap<>(), 256, 8.0, Double.NaN, 10000.0));
        assertThat(SpeedupSummary.throughput(rows)).contains("throughput: training 1,500 examples/s (mean over 2 step(s) that trained), "
                + "evaluation 10,000 examples/s in batches sized to memory (median over 3 pass(es))");
        var evaluatedOnly = new StepResult(0, 0, 0, 0.9, 0.3, 1000, 1000, 2000, 2000, 0.4, Double.NaN, new TreeMap<>(), 256, 8.0,
                Double.NaN, 4000.0);
        assertThat(SpeedupSummary.throughput(List.of(evaluatedOnly))).contains(
                "throughput: evaluation 4,000 examples/s in batches sized to memory (median over 1 pass(es))");
        var nothing = new StepResult(0, 0, 0, 0.9, 0.3, 1000, 1000, 2000, 2000, 0.4, Double.NaN, new TreeMap<>(), 256, 8.0);
        assertThat(SpeedupSummary.throughput(List.of(nothing))).isEmpty();
    }
}
