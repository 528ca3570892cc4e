package dev.secateur.bus;

/**
 * Every event-bus address, in data-flow order. Requests are {@code secateur.<stage>.<verb>}; published
 * events are {@code secateur.run.<event>} (and the fine-tuner's progress). No address carries a run id,
 * because metrics are tagged by address.
 */
public final class Addresses {

    public static final String EXPERIMENT_RUN = "secateur.experiment.run";
    public static final String EXPERIMENT_CANCEL = "secateur.experiment.cancel";
    /**
     * Published with a run's session key ({@link #RUN_HEADER}): every stage stops that session's job in progress,
     * between minibatches, and refuses its queued ones.
     */
    public static final String STAGE_INTERRUPT = "secateur.stage.interrupt";
    /**
     * The header every stage request carries with its run's session key, {@code RUN-ID#N}, so a cancel can find the
     * job; a resume of the run in the same process is another session, which an earlier stop does not touch.
     */
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

    /** Where a worker is told to stop a job that ran past its time; it answers once the job has stopped. */
    public static String clusterCancels(String nodeId) {
        return "secateur.cluster." + nodeId + ".cancels";
    }

    private Addresses() {
    }

    /** A run's session key for {@link #RUN_HEADER}: the run id, then the session's number in this process. */
    public static String sessionKey(String runId, long session) {
        return runId + "#" + session;
    }

    /** The run id of a session key (a bare run id is its own). */
    public static String runIdOf(String sessionKey) {
        int hash = sessionKey.lastIndexOf('#');
        return hash < 0 ? sessionKey : sessionKey.substring(0, hash);
    }
}
