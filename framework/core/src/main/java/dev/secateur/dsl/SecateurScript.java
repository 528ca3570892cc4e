package dev.secateur.dsl;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.ExperimentSpec;
import groovy.lang.Closure;
import groovy.lang.DelegatesTo;
import groovy.lang.Script;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The base class of every Secateur script. Its methods only declare experiments ({@link #experiment},
 * {@link #baseline}) and hand them to the runtime ({@link #run}); everything else is plain Groovy, so
 * scripts can loop and compare. An editor learns these methods from {@code secateur.gdsl} (IntelliJ) or
 * from {@code @groovy.transform.BaseScript dev.secateur.dsl.SecateurScript script} at the top of a script.
 */
public abstract class SecateurScript extends Script {

    /** The binding variable that holds the {@link ExperimentRunner}. */
    public static final String RUNNER = "secateurRunner";

    /**
     * The seeds asked for on the command line as {@code seeds 1,2,3} among the script's arguments
     * ({@code bin/secateur run x.groovy seeds 1,2,3}), or {@code defaults} when the word {@code seeds} is not there:
     * {@code for (long s in seedsArgument([2016L])) { ... }}.
     */
    public List<Long> seedsArgument(List<? extends Number> defaults) {
        Object given = getBinding().hasVariable("args") ? getBinding().getVariable("args") : null;
        List<String> words = given instanceof String[] array ? List.of(array) : given instanceof List<?> list
                ? list.stream().map(String::valueOf).toList() : List.of();
        int at = words.indexOf("seeds");
        if (at < 0) {
            if (defaults.isEmpty()) {
                throw new BadInputException("seedsArgument was given no default seeds: give one or more, such as seedsArgument([1L])");
            }
            return defaults.stream().map(Number::longValue).toList();
        }
        String list = at + 1 < words.size() ? words.get(at + 1) : "";
        var seeds = new ArrayList<Long>();
        for (String part : list.split(",")) {
            try {
                seeds.add(Long.parseLong(part.trim()));
            } catch (NumberFormatException e) {
                throw new BadInputException("the script's argument after 'seeds' is '" + list + "'; give the seeds as one "
                        + "comma-separated word, such as: seeds 1,2,3");
            }
        }
        return List.copyOf(seeds);
    }

    /** Declares an experiment; nothing runs until it is passed to {@link #run}. */
    public ExperimentSpec experiment(String name,
                                     @DelegatesTo(value = ExperimentBuilder.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        return Scripts.callWith(body, new ExperimentBuilder(name)).build();
    }

    /**
     * Declares an experiment that starts from another: {@code experiment('obs-90', from: base) { saliency 'obs' }}
     * keeps everything of {@code base} that the block does not declare again.
     */
    public ExperimentSpec experiment(Map<String, ?> options, String name,
                                     @DelegatesTo(value = ExperimentBuilder.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        return Scripts.callWith(body, derived("experiment", options, new ExperimentBuilder(name))).build();
    }

    /** {@code experiment('copy', from: base)}: another name for the same experiment, or one to change from Java-built parts. */
    public ExperimentSpec experiment(Map<String, ?> options, String name) {
        return derived("experiment", options, new ExperimentBuilder(name)).build();
    }

    /**
     * Declares a dense baseline: the model is trained (or loaded) and evaluated, and nothing is pruned, so
     * its {@code model-final.zip} can be the starting point of experiments that prune it:
     * {@code baseline('lenet300-dense') { model { train 'lenet-300-100', epochs: 20 } }}.
     */
    public ExperimentSpec baseline(String name,
                                   @DelegatesTo(value = ExperimentBuilder.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        return Scripts.callWith(body, ExperimentBuilder.baseline(name)).build();
    }

    /** A dense baseline that starts from another experiment's model, data and evaluation settings. */
    public ExperimentSpec baseline(Map<String, ?> options, String name,
                                   @DelegatesTo(value = ExperimentBuilder.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        return Scripts.callWith(body, derived("baseline", options, ExperimentBuilder.baseline(name))).build();
    }

    /** {@code baseline('dense', from: experiment)}: the dense model that another experiment starts from. */
    public ExperimentSpec baseline(Map<String, ?> options, String name) {
        return derived("baseline", options, ExperimentBuilder.baseline(name)).build();
    }

    private static ExperimentBuilder derived(String what, Map<String, ?> options, ExperimentBuilder builder) {
        NamedArgs.apply(what, options, Set.of("from"), (option, value) -> {
            if (!(value instanceof ExperimentSpec base)) {
                throw new BadInputException(what + " from: " + value + " is not an experiment; give one that "
                        + "experiment('name') { ... } returned");
            }
            builder.from(base);
        }, null);
        return builder;
    }

    /** Runs an experiment to the end and returns its results. */
    public RunResult run(ExperimentSpec spec) {
        return runner().run(spec);
    }

    /**
     * {@code run(spec, resume: true)}: skips an experiment that finished before (its results are returned) and
     * continues one that was killed, interrupted or failed from its last checkpoint, so a sweep restarted after a
     * crash picks up where it stopped.
     */
    public RunResult run(Map<String, ?> options, ExperimentSpec spec) {
        var flags = new HashMap<String, Boolean>();
        NamedArgs.apply("run", options, Set.of("resume", "acceptChanges"), (option, value) -> {
            if (!(value instanceof Boolean b)) {
                throw new BadInputException("run " + option + ": " + value + " is not true or false");
            }
            flags.put(option, b);
        }, null);
        boolean resume = flags.getOrDefault("resume", false);
        boolean acceptChanges = flags.getOrDefault("acceptChanges", false);
        if (acceptChanges && !resume) {
            throw new BadInputException("run acceptChanges: true only means something with resume: true; add resume: true, or "
                    + "leave acceptChanges out");
        }
        return resume ? runner().runOrResume(spec, acceptChanges) : runner().run(spec);
    }

    /**
     * {@code runAll([a, b, c])}: runs several experiments and returns their results in the same order. Under
     * {@code bin/secateur run --cluster} they run at once, each whole on a cluster worker; otherwise one after
     * another, exactly as {@code specs.collect { run(it) }}.
     */
    public List<RunResult> runAll(List<?> specs) {
        if (specs == null || specs.isEmpty()) {
            throw new BadInputException("runAll needs a list of experiments, such as runAll([a, b]); it got "
                    + (specs == null ? "null" : "an empty list"));
        }
        var checked = new ArrayList<ExperimentSpec>();
        for (int i = 0; i < specs.size(); i++) {
            if (!(specs.get(i) instanceof ExperimentSpec spec)) {
                throw new BadInputException("runAll: item " + i + " (" + specs.get(i) + ") is not an experiment; give the "
                        + "values experiment('name') { ... } returned");
            }
            checked.add(spec);
        }
        return runner().runAll(List.copyOf(checked));
    }

    /**
     * Prints an experiment's explain-plan (unit groups, what is kept whole and why, projected params and
     * FLOPs) before anything changes, and returns the experiment, so {@code run(explain(spec))} reads well.
     */
    public ExperimentSpec explain(ExperimentSpec spec) {
        print(runner().explain(spec));
        return spec;
    }

    /** A table with one row per run, for comparisons. */
    public String table(List<RunResult> results) {
        return RunResult.table(results);
    }

    private ExperimentRunner runner() {
        return (ExperimentRunner) getBinding().getVariable(RUNNER);
    }
}
