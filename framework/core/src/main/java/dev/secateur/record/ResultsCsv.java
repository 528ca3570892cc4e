package dev.secateur.record;

import dev.secateur.result.StepResult;
import java.util.Locale;

/**
 * The results.csv format: one row per step, step 0 the dense model, empty cells for unmeasured values. A language
 * model's accuracy is next-token accuracy, its loss the mean next-token cross-entropy and its perplexity exp(loss);
 * a classifier's perplexity is empty, and so is the control's perplexity for a classifier or a run without a control.
 * New columns are only ever appended, so readers that go by position keep working.
 */
public final class ResultsCsv {

    public static final String HEADER = Csv.header("step", "target_sparsity", "sparsity", "accuracy", "loss", "params",
            "nonzero_params", "flops", "effective_flops", "latency_ms", "finetune_examples_per_s", "large_batch",
            "large_batch_latency_ms", "saliency", "control_accuracy", "accuracy_vs_control", "perplexity",
            "control_perplexity");

    private ResultsCsv() {
    }

    /**
     * @param saliency the id of the saliency method that chose what was pruned, "" for a run that prunes nothing
     */
    public static String row(StepResult r, String saliency) {
        return Csv.line(Integer.toString(r.step()), number(r.targetSparsity(), 6), number(r.sparsity(), 6),
                number(r.accuracy(), 6), number(r.loss(), 6), Long.toString(r.params()), Long.toString(r.nonzeroParams()),
                Long.toString(r.flops()), Long.toString(r.effectiveFlops()), number(r.latencyMs(), 4),
                number(r.finetuneExamplesPerS(), 1), r.largeBatch() == 0 ? "" : Integer.toString(r.largeBatch()),
                number(r.largeBatchLatencyMs(), 4), saliency, number(r.controlAccuracy(), 6), number(r.accuracyVsControl(), 6),
                number(r.perplexity(), 4), number(r.controlPerplexity(), 4));
    }

    private static String number(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "";
    }
}
