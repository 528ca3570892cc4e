package dev.secateur.spec;

/**
 * What evaluation measures and when.
 *
 * @param everyStep      evaluate accuracy, loss and latency after every step; if false, only the dense
 *                       model and the last step (the census of sparsity, params and FLOPs is always taken)
 * @param latencyBatch   examples per timed forward pass
 * @param latencyWarmup  untimed passes first, so JIT and native caches are warm
 * @param latencyRepeats timed passes; the median is reported
 */
public record EvaluateSpec(boolean everyStep, int latencyBatch, int latencyWarmup, int latencyRepeats) {

    public static final EvaluateSpec DEFAULT = new EvaluateSpec(true, 1, 20, 50);

    public EvaluateSpec {
        if (latencyBatch < 1) {
            throw new IllegalArgumentException("evaluate latencyBatch = " + latencyBatch + " must be at least 1");
        }
        if (latencyWarmup < 0 || latencyRepeats < 1) {
            throw new IllegalArgumentException("evaluate needs warmup >= 0 and repeats >= 1, got "
                    + latencyWarmup + " and " + latencyRepeats);
        }
    }
}
