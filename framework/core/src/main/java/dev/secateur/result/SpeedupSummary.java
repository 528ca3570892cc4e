package dev.secateur.result;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Optional;
import java.util.List;
import java.util.Locale;

/**
 * The honest account of a run's speed: the FLOPs cut next to the measured latency change, from the dense
 * model (step 0) to the last step whose latency was measured. Zeros in dense kernels cost the same as
 * any other value, so a run whose granularity does not shrink the tensors is told not to expect a
 * speed-up.
 */
public final class SpeedupSummary {

    private SpeedupSummary() {
    }

    /**
     * How fast the run trained and evaluated: the mean training throughput of the steps that trained (the
     * dense baseline's training included) and the median throughput of the evaluation passes, in the evaluator's
     * batches (up to 1,000 examples, fewer where a layer's output would be large: {@code Evaluator.evaluationBatch});
     * empty when neither was measured.
     */
    public static Optional<String> throughput(List<StepResult> results) {
        double[] training = results.stream().mapToDouble(StepResult::finetuneExamplesPerS).filter(v -> Double.isFinite(v) && v > 0).toArray();
        double[] evaluation = results.stream().mapToDouble(StepResult::evalExamplesPerS).filter(v -> Double.isFinite(v) && v > 0).sorted().toArray();
        if (training.length == 0 && evaluation.length == 0) {
            return Optional.empty();
        }
        var parts = new ArrayList<String>();
        if (training.length > 0) {
            parts.add(String.format(Locale.ROOT, "training %,.0f examples/s (mean over %d step(s) that trained)",
                    Arrays.stream(training).average().orElseThrow(), training.length));
        }
        if (evaluation.length > 0) {
            int n = evaluation.length;
            double median = n % 2 == 1 ? evaluation[n / 2] : (evaluation[n / 2 - 1] + evaluation[n / 2]) / 2;
            parts.add(String.format(Locale.ROOT, "evaluation %,.0f examples/s in batches sized to memory (median over %d pass(es))", median, n));
        }
        return Optional.of("throughput: " + String.join(", ", parts));
    }

    /** Lines for the console, empty when there is no pruned step to compare with. */
    public static List<String> lines(List<StepResult> results, String granularity) {
        if (results.size() < 2) {
            return List.of();
        }
        var dense = results.get(0);
        var last = results.get(results.size() - 1);
        StepResult measured = null;
        for (int i = results.size() - 1; i > 0; i--) {
            if (Double.isFinite(results.get(i).latencyMs())) {
                measured = results.get(i);
                break;
            }
        }
        var lines = new ArrayList<String>();
        double flopsCut = 1.0 - (double) last.effectiveFlops() / dense.flops();
        lines.add(String.format(Locale.ROOT, "FLOPs per example: %,d dense, %,d effective after step %d (%.1f%% fewer, if zeros were skipped)",
                dense.flops(), last.effectiveFlops(), last.step(), 100 * flopsCut));
        if (measured != null && Double.isFinite(dense.latencyMs())) {
            var text = new StringBuilder(String.format(Locale.ROOT, "measured latency, step 0 -> step %d: %.3f -> %.3f ms (x%.2f) at batch 1",
                    measured.step(), dense.latencyMs(), measured.latencyMs(), dense.latencyMs() / measured.latencyMs()));
            if (measured.largeBatch() > 0 && Double.isFinite(dense.largeBatchLatencyMs())) {
                text.append(String.format(Locale.ROOT, ", %.3f -> %.3f ms (x%.2f) at batch %d", dense.largeBatchLatencyMs(),
                        measured.largeBatchLatencyMs(), dense.largeBatchLatencyMs() / measured.largeBatchLatencyMs(), measured.largeBatch()));
            }
            lines.add(text.toString());
        }
        if (granularity.startsWith("unstructured") || granularity.startsWith("nm-")) {
            lines.add("little speed-up is expected: " + granularity + " sparsity leaves the tensors their shape, and the dense "
                    + "kernels multiply the zero weights too (only Secateur's small-batch pass skips them, in a convolution "
                    + "that keeps under a quarter of its weights), so a measured difference is mostly noise or warm-up; the "
                    + "effective FLOPs say what sparse hardware or kernels could save");
        } else if (last.params() < dense.params()) {
            lines.add(String.format(Locale.ROOT, "pruned units were removed physically: params %,d -> %,d (%.1f%% fewer), "
                    + "FLOPs %,d -> %,d (%.1f%% fewer); the side-by-side latency measured at removal is the speed-up to quote, "
                    + "since the rows above were timed at different moments", dense.params(), last.params(),
                    100.0 * (dense.params() - last.params()) / dense.params(), dense.flops(), last.flops(),
                    100.0 * (dense.flops() - last.flops()) / dense.flops()));
        } else {
            lines.add("no speed-up is expected yet: whole filters and neurons are masked, not removed, so the tensors keep "
                    + "their shape and a measured difference is noise or warm-up; bin/secateur export RUN --format dl4j "
                    + "removes them and measures the smaller network side by side");
        }
        return lines;
    }
}
