package dev.secateur.bus;

/**
 * Every event-bus address, in data-flow order. Requests are {@code secateur.<stage>.<verb>}; published
 * events are {@code secateur.run.<event>} (and the fine-tuner's progress). No address carries a run id,
 * because metrics are tagged by address.
 */
public final class Addresses {

    public static final String EXPERIMENT_RUN = "secateur.experiment.run";
    public static final String EXPERIMENT_CANCEL = "secateur.experiment.cancel";
    /** Published with a run id: every stage stops that run's job in progress, between minibatches. */
    public static final String STAGE_INTERRUPT = "secateur.stage.interrupt";
    /**
     * Published with a run id when its session ends, however: the stages forget that it was stopped, so a resume
     * under the same id in the same process (a server's) is not refused.
     */
    public static final String STAGE_RUN_ENDED = "secateur.stage.run-ended";
    /** The header every stage request carries with its run's id, so a cancel can find the job. */
    public static final String RUN_HEADER = "secateur-run";

    public static final String LOADER_LOAD = "secateur.loader.load";
    public static final String LOADER_EXPLAIN = "secateur.loader.explain";
    public static final String LOADER_RESTORE = "secateur.loader.restore";
    public static final String LOADER_COPY = "secateur.loader.copy";
    public static final String SCORER_SCORE = "secateur.scorer.score";
    public static final String SCORER_COMPARE = "secateur.scorer.compare";
    public static final String PRUNER_PLAN = "secateur.pruner.plan";
    public static final String PRUNER_APPLY = "secateur.pruner.apply";
    public static final String PRUNER_BUDGET = "secateur.pruner.budget";
    public static final String PRUNER_SHRINK = "secateur.pruner.shrink";
    public static final String FINETUNER_TRAIN = "secateur.finetuner.train";
    public static final String EVALUATOR_EVALUATE = "secateur.evaluator.evaluate";
    public static final String EVALUATOR_PROBE = "secateur.evaluator.probe";
    public static final String EVALUATOR_QUALITY = "secateur.evaluator.quality";
    /** The run directory's only writer. */
    public static final String RECORDER_WRITE = "secateur.recorder.write";

    public static final String RUN_STARTED = "secateur.run.started";
    public static final String RUN_STEP_COMPLETED = "secateur.run.step-completed";
    public static final String RUN_DECIDED = "secateur.run.decided";
    public static final String RUN_COMPLETED = "secateur.run.completed";
    public static final String RUN_FAILED = "secateur.run.failed";
    public static final String RUN_CANCELLED = "secateur.run.cancelled";
    public static final String FINETUNER_PROGRESS = "secateur.finetuner.progress";
    public static final String PLUGIN_RELOADED = "secateur.plugin.reloaded";
    public static final String PLUGIN_RELOAD_FAILED = "secateur.plugin.reload-failed";

    /*
     * Cluster mode: the clustered event bus carries jobs, models and their answers as JSON and bytes, never the
     * local records above. Each worker listens on addresses of its own, named by its node id, so the coordinator
     * chooses the worker (by free capacity, and whether it holds the model already).
     */
    /** The Hazelcast map where each worker states its host and capacity, keyed by node id. */
    public static final String CLUSTER_WORKERS = "secateur.cluster.workers";

    /** Where a worker takes jobs: a probe, an experiment of a sweep. */
    public static String clusterJobs(String nodeId) {
        return "secateur.cluster." + nodeId + ".jobs";
    }

    /** Where a worker takes a model: its bytes, named by their SHA-256. */
    public static String clusterModels(String nodeId) {
        return "secateur.cluster." + nodeId + ".models";
    }

    private Addresses() {
    }
}
