package dev.secateur.dsl;

import dev.secateur.spec.ExperimentSpec;

/** Runs a declared experiment and waits for it; the command line submits it on the event bus. */
@FunctionalInterface
public interface ExperimentRunner {
    RunResult run(ExperimentSpec spec);

    /**
     * The experiment's explain-plan: its model's unit groups, what is kept whole and why, and the projected
     * params and FLOPs. It builds or loads the model (a built-in is not trained) and reads one input
     * example; nothing is pruned.
     */
    default String explain(ExperimentSpec spec) {
        var loaded = new dev.secateur.model.Loader(new dev.secateur.data.DatasetLoader()).load(spec.model(), spec.data(), spec.seed());
        var example = loaded.data().test().features().getRow(0, true).dup();
        return dev.secateur.plan.ExplainPlan.explain(spec, loaded.network(), example);
    }
}
