package dev.secateur.dsl;

import dev.secateur.spec.ExperimentSpec;

/**
 * What a script's {@code run(spec)} and {@code explain(spec)} reach. In bin/secateur both go over the event
 * bus: to the coordinator, and to the loader, which explains from the model's structure.
 */
public interface ExperimentRunner {

    /** Runs a declared experiment and waits for it. */
    RunResult run(ExperimentSpec spec);

    /**
     * The experiment's explain-plan: its model's unit groups, what is kept whole and why, and the projected
     * params and FLOPs. Nothing is trained or pruned.
     */
    String explain(ExperimentSpec spec);
}
