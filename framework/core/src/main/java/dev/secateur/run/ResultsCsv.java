package dev.secateur.run;

import java.util.Locale;

/** The results.csv format: one row per step, step 0 the dense model, empty cells for unmeasured values. */
public final class ResultsCsv {

    public static final String HEADER = "step,target_sparsity,sparsity,accuracy,loss,params,nonzero_params,"
            + "flops,effective_flops,latency_ms,finetune_examples_per_s,large_batch,large_batch_latency_ms";

    private ResultsCsv() {
    }

    public static String row(StepResult r) {
        return String.join(",", Integer.toString(r.step()), number(r.targetSparsity(), 6), number(r.sparsity(), 6),
                number(r.accuracy(), 6), number(r.loss(), 6), Long.toString(r.params()), Long.toString(r.nonzeroParams()),
                Long.toString(r.flops()), Long.toString(r.effectiveFlops()), number(r.latencyMs(), 4),
                number(r.finetuneExamplesPerS(), 1), r.largeBatch() == 0 ? "" : Integer.toString(r.largeBatch()),
                number(r.largeBatchLatencyMs(), 4));
    }

    private static String number(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "";
    }
}
