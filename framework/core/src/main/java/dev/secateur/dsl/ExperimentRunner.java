package dev.secateur.dsl;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.ExperimentSpec;
import java.util.List;

/**
 * What a script's {@code run(spec)} and {@code explain(spec)} reach. In bin/secateur both go over the event
 * bus: to the coordinator, and to the loader, which explains from the model's structure.
 */
public interface ExperimentRunner {

    /** Runs a declared experiment and waits for it. */
    RunResult run(ExperimentSpec spec);

    /**
     * Runs several experiments and returns their results in order. Here one after another; a runner with a
     * cluster runs them at once on its workers.
     */
    default List<RunResult> runAll(List<ExperimentSpec> specs) {
        return specs.stream().map(this::run).toList();
    }

    /**
     * Runs an experiment unless an earlier run of it (same name, same declaration, same runs directory)
     * finished, whose results it returns; an earlier run that was killed, interrupted, failed or timed out
     * continues from its last checkpoint.
     */
    default RunResult runOrResume(ExperimentSpec spec) {
        throw new BadInputException("run(spec, resume: true) works under bin/secateur run, resume and serve; this runner "
                + "does not resume runs, so run the script without resume: true");
    }

    /**
     * The same; with {@code acceptChanges}, an earlier run whose data or plugin files changed since it started
     * continues anyway, and its spec.json records what changed. Without it such a run is refused, naming both digests.
     */
    default RunResult runOrResume(ExperimentSpec spec, boolean acceptChanges) {
        if (acceptChanges) {
            throw new BadInputException("run(spec, resume: true, acceptChanges: true) works under bin/secateur run, resume and "
                    + "serve; this runner does not resume runs");
        }
        return runOrResume(spec);
    }

    /**
     * The experiment's explain-plan: its model's unit groups, what is kept whole and why, and the projected
     * params and FLOPs. Nothing is trained or pruned.
     */
    String explain(ExperimentSpec spec);
}
