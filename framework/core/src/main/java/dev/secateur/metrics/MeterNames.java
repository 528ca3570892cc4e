package dev.secateur.metrics;

/**
 * Every meter Secateur registers. Dot names and base units; the Prometheus registry adds suffixes
 * ({@code secateur.eval.accuracy} with unit ratio becomes {@code secateur_eval_accuracy_ratio}).
 * config/grafana/secateur.json uses exactly these.
 */
public final class MeterNames {

    public static final String SPARSITY = "secateur.sparsity";
    public static final String LAYER_SPARSITY = "secateur.layer.sparsity";
    public static final String EVAL_ACCURACY = "secateur.eval.accuracy";
    public static final String EVAL_LOSS = "secateur.eval.loss";
    public static final String MODEL_PARAMS = "secateur.model.params";
    public static final String MODEL_FLOPS = "secateur.model.flops";
    public static final String FINETUNE_EXAMPLES = "secateur.finetune.examples";
    public static final String EVAL_EXAMPLES = "secateur.eval.examples";
    public static final String STAGE = "secateur.stage";
    public static final String PLUGIN_RELOADS = "secateur.plugin.reloads";

    /** Tag keys; every value comes from a bounded set. */
    public static final String TAG_EXPERIMENT = "experiment";
    public static final String TAG_SALIENCY = "saliency";
    public static final String TAG_SCHEDULE = "schedule";
    public static final String TAG_GRANULARITY = "granularity";
    public static final String TAG_LAYER = "layer";
    public static final String TAG_KIND = "kind";
    public static final String TAG_STAGE = "stage";
    public static final String TAG_OUTCOME = "outcome";
    public static final String TAG_PHASE = "phase";

    /** At most this many distinct layer tag values, so a huge model cannot flood the registry. */
    public static final int MAX_LAYERS = 256;

    public static final String UNIT_RATIO = "ratio";
    public static final String UNIT_EXAMPLES = "examples";
    public static final String UNIT_PARAMS = "params";
    public static final String UNIT_FLOPS = "flops";

    private MeterNames() {
    }
}
