package dev.secateur.spec;

/**
 * What evaluation measures and when.
 *
 * @param everyStep      evaluate accuracy, loss and latency after every step; if false, only the dense
 *                       model and the last step (the census of sparsity, params and FLOPs is always taken)
 * @param latencyBatch   examples per timed forward pass
 * @param latencyWarmup  untimed passes first, so JIT and native caches are warm
 * @param latencyRepeats timed passes; the median is reported
 * @param largeBatch     a second, large batch whose latency is measured too (throughput serving), 0 for none;
 *                       it gets a tenth of the warm-up passes (1 to 10) and a fifth of the timed ones (at least 3)
 */
public record EvaluateSpec(boolean everyStep, int latencyBatch, int latencyWarmup, int latencyRepeats, int largeBatch) {

    public static final int DEFAULT_LARGE_BATCH = 256;
    public static final EvaluateSpec DEFAULT = new EvaluateSpec(true, 1, 20, 50, DEFAULT_LARGE_BATCH);

    public EvaluateSpec {
        if (latencyBatch < 1) {
            throw new IllegalArgumentException("evaluate latencyBatch = " + latencyBatch + " must be at least 1");
        }
        if (latencyWarmup < 0 || latencyRepeats < 1) {
            throw new IllegalArgumentException("evaluate needs warmup >= 0 and repeats >= 1, got "
                    + latencyWarmup + " and " + latencyRepeats);
        }
        if (largeBatch < 0) {
            throw new IllegalArgumentException("evaluate largeBatch = " + largeBatch + " must be 0 (none) or more");
        }
    }

    public EvaluateSpec(boolean everyStep, int latencyBatch, int latencyWarmup, int latencyRepeats) {
        this(everyStep, latencyBatch, latencyWarmup, latencyRepeats, DEFAULT_LARGE_BATCH);
    }
}
