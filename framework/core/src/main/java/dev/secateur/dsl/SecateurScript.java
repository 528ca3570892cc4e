package dev.secateur.dsl;

import dev.secateur.spec.ExperimentSpec;
import groovy.lang.Closure;
import groovy.lang.DelegatesTo;
import groovy.lang.Script;
import java.util.List;

/**
 * The base class of every Secateur script. Its methods only declare experiments ({@link #experiment}) and
 * hand them to the runtime ({@link #run}); everything else is plain Groovy, so scripts can loop and compare.
 */
public abstract class SecateurScript extends Script {

    /** The binding variable that holds the {@link ExperimentRunner}. */
    public static final String RUNNER = "secateurRunner";

    /** Declares an experiment; nothing runs until it is passed to {@link #run}. */
    public ExperimentSpec experiment(String name,
                                     @DelegatesTo(value = ExperimentBuilder.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        return Scripts.callWith(body, new ExperimentBuilder(name)).build();
    }

    /** Runs an experiment to the end and returns its results. */
    public RunResult run(ExperimentSpec spec) {
        return ((ExperimentRunner) getBinding().getVariable(RUNNER)).run(spec);
    }

    /**
     * Prints an experiment's explain-plan (unit groups, what is kept whole and why, projected params and
     * FLOPs) before anything changes, and returns the experiment, so {@code run(explain(spec))} reads well.
     */
    public ExperimentSpec explain(ExperimentSpec spec) {
        print(((ExperimentRunner) getBinding().getVariable(RUNNER)).explain(spec));
        return spec;
    }

    /** A table with one row per run, for comparisons. */
    public String table(List<RunResult> results) {
        return RunResult.table(results);
    }
}
