package dev.secateur.dsl;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.CompareSpec;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.EvaluateSpec;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.SaliencySpec;
import dev.secateur.spec.SensitivitySpec;
import dev.secateur.spec.SourceLocation;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Scope;
import groovy.lang.Closure;
import groovy.lang.DelegatesTo;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Declares one experiment. In a script: {@code experiment('name') { ... }}; in Java:
 * {@code ExperimentBuilder.experiment("name", e -> e.model(m -> m.train("lenet-300-100")).schedule(...))}.
 * Defaults: seed 42, data fashionMnist(), saliency 'magnitude', unstructured, global scope,
 * finetune 1 epoch, evaluate every step.
 */
public final class ExperimentBuilder {

    private final String name;
    private final Map<String, SourceLocation> declaredAt = new HashMap<>();
    private long seed = 42;
    private ModelSpec model;
    private DataSpec data = Dsl.fashionMnist();
    private SaliencySpec saliency = new SaliencySpec("magnitude", Options.NONE);
    private int calibration = SaliencySpec.DEFAULT_CALIBRATION;
    private Granularity granularity = Granularity.unstructured();
    private Scope scope = Dsl.global();
    private ScheduleBuilder schedule;
    private TrainingSpec finetune = new FinetuneBuilder().build();
    private EvaluateSpec evaluate = EvaluateSpec.DEFAULT;
    private CompareSpec compare;
    private SensitivityBuilder sensitivity;
    private SensitivitySpec.Budget budget;
    private Boolean shrink;

    public ExperimentBuilder(String name) {
        this.name = name;
        mark("experiment");
    }

    /** The Java twin of a script's {@code experiment('name') { ... }}. */
    public static ExperimentSpec experiment(String name, Consumer<ExperimentBuilder> body) {
        var builder = new ExperimentBuilder(name);
        body.accept(builder);
        return builder.build();
    }

    public ExperimentBuilder seed(long seed) {
        this.seed = seed;
        return this;
    }

    public ExperimentBuilder model(@DelegatesTo(value = ModelBuilder.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        return model(m -> Scripts.callWith(body, m));
    }

    public ExperimentBuilder model(Consumer<ModelBuilder> body) {
        mark("model");
        var builder = new ModelBuilder();
        body.accept(builder);
        this.model = builder.build();
        return this;
    }

    public ExperimentBuilder data(DataSpec data) {
        mark("data");
        this.data = data;
        return this;
    }

    public ExperimentBuilder saliency(String id) {
        return saliency(Map.of(), id);
    }

    /** A saliency plugin with its options: {@code saliency 'magnitude', norm: 'l2'}. */
    public ExperimentBuilder saliency(Map<String, ?> options, String id) {
        mark("saliency");
        this.saliency = new SaliencySpec(id, Options.of(options));
        return this;
    }

    /**
     * {@code calibration samples: 512}: how many training examples the scorer's statistics pass reads
     * (gradients, Fisher, Gram matrices, the oracle's loss). Default 1024.
     */
    public ExperimentBuilder calibration(Map<String, ?> options) {
        mark("calibration");
        NamedArgs.apply("calibration", options, Set.of("samples"),
                (option, value) -> calibration = NamedArgs.integer("calibration", option, value), null);
        return this;
    }

    public ExperimentBuilder calibration(int samples) {
        return calibration(Map.of("samples", samples));
    }

    public ExperimentBuilder granularity(Granularity granularity) {
        mark("granularity");
        this.granularity = granularity;
        return this;
    }

    public ExperimentBuilder scope(Scope scope) {
        return scope(Map.of(), scope);
    }

    /** A scope with parameters left out: {@code scope global(), exclude: ['0_W']}. */
    public ExperimentBuilder scope(Map<String, ?> options, Scope scope) {
        mark("scope");
        var excluded = new LinkedHashSet<ParamRef>(scope.excluded());
        NamedArgs.apply("scope", options, Set.of("exclude"), (option, value) -> {
            var refs = value instanceof List<?> list ? list : List.of(value);
            refs.forEach(ref -> excluded.add(Dsl.param(String.valueOf(ref))));
        }, null);
        this.scope = withExcluded(scope, excluded);
        return this;
    }

    /** {@code scope fromSensitivity(budget: flops(0.35))}: per-layer ratios chosen by the sensitivity analysis. */
    public ExperimentBuilder scope(Dsl.FromSensitivity fromSensitivity) {
        return scope(Map.of(), fromSensitivity);
    }

    public ExperimentBuilder scope(Map<String, ?> options, Dsl.FromSensitivity fromSensitivity) {
        scope(options, Dsl.layerwise());
        this.budget = fromSensitivity.budget();
        return this;
    }

    /**
     * A sensitivity analysis after the baseline (Li et al. 2016):
     * {@code sensitivity { ratios 0.1, 0.5, 0.9; samples 2000; layer '0_W' }}.
     */
    public ExperimentBuilder sensitivity(@DelegatesTo(value = SensitivityBuilder.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        return sensitivity(b -> Scripts.callWith(body, b));
    }

    public ExperimentBuilder sensitivity(Consumer<SensitivityBuilder> body) {
        mark("sensitivity");
        var builder = new SensitivityBuilder();
        body.accept(builder);
        this.sensitivity = builder;
        return this;
    }

    /**
     * {@code shrink false} keeps pruned units as zeros; by default structured pruning removes them physically
     * after the last step, and fine-tuning, evaluation and export continue on the smaller network.
     */
    public ExperimentBuilder shrink(boolean shrink) {
        mark("shrink");
        this.shrink = shrink;
        return this;
    }

    private static Scope withExcluded(Scope scope, Set<ParamRef> excluded) {
        if (scope instanceof Scope.Global) {
            return new Scope.Global(excluded);
        }
        if (scope instanceof Scope.LayerWise) {
            return new Scope.LayerWise(excluded);
        }
        return new Scope.PerLayer(((Scope.PerLayer) scope).targets(), excluded);
    }

    /** A schedule without options, for a per-layer scope whose layers carry their own targets. */
    public ExperimentBuilder schedule(String id) {
        return schedule(id, s -> { });
    }

    /** {@code schedule 'iterative', target: 0.9, steps: 4}; other names are options of the schedule. */
    public ExperimentBuilder schedule(Map<String, ?> options, String id) {
        return schedule(id, s -> s.apply(options));
    }

    public ExperimentBuilder schedule(String id, Consumer<ScheduleBuilder> body) {
        mark("schedule");
        var builder = new ScheduleBuilder(id);
        body.accept(builder);
        this.schedule = builder;
        return this;
    }

    /** {@code finetune epochs: 1, lr: 1e-3, batch: 64}. */
    public ExperimentBuilder finetune(Map<String, ?> options) {
        return finetune(f -> f.apply(options));
    }

    public ExperimentBuilder finetune(Consumer<FinetuneBuilder> body) {
        mark("finetune");
        var builder = new FinetuneBuilder();
        body.accept(builder);
        this.finetune = builder.build();
        return this;
    }

    /** {@code evaluate every: 'step'}. */
    public ExperimentBuilder evaluate(Map<String, ?> options) {
        return evaluate(e -> e.apply(options));
    }

    public ExperimentBuilder evaluate(Consumer<EvaluateBuilder> body) {
        mark("evaluate");
        var builder = new EvaluateBuilder();
        body.accept(builder);
        this.evaluate = builder.build();
        return this;
    }

    /**
     * A criteria comparison instead of pruning steps:
     * {@code compare { criteria 'magnitude', 'taylor'; against 'oracle'; layer '2_W'; granularity filters() }}.
     */
    public ExperimentBuilder compare(@DelegatesTo(value = CompareBuilder.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        return compare(c -> Scripts.callWith(body, c));
    }

    public ExperimentBuilder compare(Consumer<CompareBuilder> body) {
        mark("compare");
        var builder = new CompareBuilder();
        body.accept(builder);
        this.compare = builder.build();
        return this;
    }

    public ExperimentSpec build() {
        if (model == null) {
            throw new BadInputException("experiment '" + name + "' has no model; add model { train 'lenet-300-100', epochs: 3 } "
                    + "or model { load 'path/to/model.zip' }");
        }
        if (schedule == null && compare != null) {
            // a comparison prunes nothing: the run is load, train the baseline if asked, evaluate, compare
            schedule("one-shot", sched -> sched.apply(Map.of("target", 0.0)));
        }
        if (schedule == null) {
            throw new BadInputException("experiment '" + name + "' has no schedule; add for example schedule 'one-shot', target: 0.9");
        }
        var choice = schedule.build(!(scope instanceof Scope.PerLayer) && budget == null);
        var analysis = sensitivity == null && budget == null ? null
                : (sensitivity == null ? new SensitivityBuilder() : sensitivity).build(budget);
        boolean removes = shrink == null ? granularity instanceof Granularity.Structured && compare == null : shrink;
        var saliency = NamedArgs.checked("calibration", () -> new SaliencySpec(this.saliency.id(), this.saliency.options(), calibration));
        return NamedArgs.checked("experiment '" + name + "'", () -> new ExperimentSpec(name, seed, model, data, saliency,
                granularity, scope, choice, finetune, evaluate, declaredAt, compare, analysis, removes));
    }

    private void mark(String part) {
        Declarations.caller().ifPresent(location -> declaredAt.put(part, location));
    }
}
