package dev.secateur.dsl;

import dev.secateur.spec.ExperimentSpec;

/** Runs a declared experiment and waits for it; the command line submits it on the event bus. */
@FunctionalInterface
public interface ExperimentRunner {
    RunResult run(ExperimentSpec spec);
}
