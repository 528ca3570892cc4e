package dev.secateur.dsl;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.CompareSpec;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.EvaluateSpec;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ExportSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.RecoverySpec;
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
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Declares one experiment. In a script: {@code experiment('name') { ... }}; in Java:
 * {@code ExperimentBuilder.experiment("name", e -> e.model(m -> m.train("lenet-300-100")).schedule(...))}.
 * Defaults: seed 42, data fashionMnist(), saliency 'magnitude', unstructured, global scope,
 * finetune 1 epoch, evaluate every step. {@link #from} starts from another experiment instead, and
 * {@link #baseline} declares one that only trains and evaluates the dense model.
 */
public final class ExperimentBuilder {

    /** What a dense baseline may declare: everything else is about pruning. */
    private static final Set<String> BASELINE_PARTS = Set.of("experiment", "seed", "model", "data", "evaluate", "export");

    private final String name;
    private final boolean baseline;
    private final Map<String, SourceLocation> declaredAt = new HashMap<>();
    private final Set<String> declared = new LinkedHashSet<>();
    private String derivedFrom;
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
    private RecoverySpec.Rewind rewind;
    private RecoverySpec.Distillation distillation;
    private boolean control;
    private ExportSpec export = ExportSpec.NONE;

    public ExperimentBuilder(String name) {
        this(name, false);
    }

    private ExperimentBuilder(String name, boolean baseline) {
        this.name = name;
        this.baseline = baseline;
        mark("experiment");
    }

    /** The Java twin of a script's {@code experiment('name') { ... }}. */
    public static ExperimentSpec experiment(String name, Consumer<ExperimentBuilder> body) {
        var builder = new ExperimentBuilder(name);
        body.accept(builder);
        return builder.build();
    }

    /**
     * The Java twin of {@code baseline('name') { ... }}: an experiment that only trains (or loads) the dense
     * model and evaluates it, with no pruning step. It declares model, data, seed and evaluate only.
     */
    public static ExperimentSpec baseline(String name, Consumer<ExperimentBuilder> body) {
        var builder = baseline(name);
        body.accept(builder);
        return builder.build();
    }

    static ExperimentBuilder baseline(String name) {
        return new ExperimentBuilder(name, true);
    }

    /**
     * Starts from another experiment: every part is the other's until this block declares it again. A
     * declaration replaces the part it names, except {@code finetune} and {@code evaluate}, whose named
     * settings are changed and the others kept.
     */
    public ExperimentBuilder from(ExperimentSpec base) {
        derivedFrom = base.name();
        base.declaredAt().forEach((part, location) -> {
            if (!part.equals("experiment")) {
                declaredAt.put(part, location);
            }
        });
        seed = base.seed();
        model = base.model();
        data = base.data();
        saliency = new SaliencySpec(base.saliency().id(), base.saliency().options());
        calibration = base.saliency().calibration();
        granularity = base.granularity();
        budget = base.scopeFromSensitivity() ? base.sensitivity().budget() : null;
        scope = base.scope();
        boolean ownTargets = scope instanceof Scope.PerLayer || budget != null;
        schedule = base.schedule() == null ? null : ScheduleBuilder.from(base.schedule(), !ownTargets);
        finetune = base.finetune();
        evaluate = base.evaluate();
        compare = base.compare();
        sensitivity = base.sensitivity() == null ? null : SensitivityBuilder.from(base.sensitivity());
        boolean removesByDefault = base.granularity() instanceof Granularity.Structured && base.compare() == null;
        shrink = base.shrink() == removesByDefault ? null : base.shrink();
        rewind = base.recovery().rewind();
        distillation = base.recovery().distillation();
        control = base.control();
        export = base.export();
        return this;
    }

    public ExperimentBuilder seed(long seed) {
        mark("seed");
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

    /** {@code calibration { samples 512 }}. */
    public ExperimentBuilder calibration(@DelegatesTo(value = CalibrationBuilder.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        return calibration(Scripts.callWith(body, new CalibrationBuilder()).samples());
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
        this.budget = null;
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

    /**
     * {@code control true}: a dense control also trains from the same starting model, on exactly the examples the
     * pruned model retrains on, with the same optimiser and seeds; each row of results.csv then carries
     * {@code control_accuracy} and {@code accuracy_vs_control}.
     */
    public ExperimentBuilder control(boolean control) {
        mark("control");
        this.control = control;
        return this;
    }

    /**
     * {@code export onnx: true}: when the run completes, the final network is also written as ONNX,
     * {@code export/model.onnx} (the physically smaller network after a structured run), as
     * {@code bin/secateur export RUN --onnx} writes it. A declaration replaces the base's.
     */
    public ExperimentBuilder export(Map<String, ?> options) {
        mark("export");
        boolean[] onnx = {false};
        NamedArgs.apply("export", options, Set.of("onnx"), (option, value) -> onnx[0] = NamedArgs.bool("export", option, value), null);
        export = new ExportSpec(onnx[0]);
        return this;
    }

    /**
     * {@code rewind 'weights'} (lottery-ticket rewinding to the initial weights), {@code rewind 'weights', iteration: 500}
     * (to iteration 500 of the dense training), {@code rewind 'lr'} (learning-rate rewinding) or {@code rewind 'none'}.
     */
    public ExperimentBuilder rewind(String kind) {
        return rewind(Map.of(), kind);
    }

    public ExperimentBuilder rewind(Map<String, ?> options, String kind) {
        mark("rewind");
        switch (kind == null ? "" : kind) {
            case "weights" -> {
                int[] iteration = {0};
                NamedArgs.apply("rewind 'weights'", options, Set.of("iteration"),
                        (option, value) -> iteration[0] = NamedArgs.integer("rewind 'weights'", option, value), null);
                rewind = NamedArgs.checked("rewind", () -> new RecoverySpec.Rewind.Weights(iteration[0]));
            }
            case "lr" -> {
                NamedArgs.apply("rewind 'lr'", options, Set.of(), (option, value) -> { }, null);
                rewind = new RecoverySpec.Rewind.LearningRate();
            }
            case "none" -> rewind = null;
            default -> throw refused("rewind '" + kind + "' is not a kind of rewinding; use 'weights' (lottery-ticket, with "
                    + "iteration: k), 'lr' (learning-rate rewinding) or 'none'", "rewind");
        }
        return this;
    }

    /**
     * {@code distill temperature: 4, weight: 0.5}: retraining also matches the dense model's softened outputs,
     * with {@code weight} on that soft loss and {@code 1 - weight} on the labels. Defaults: temperature 4, weight 0.5.
     */
    public ExperimentBuilder distill(Map<String, ?> options) {
        mark("distill");
        double[] settings = {RecoverySpec.Distillation.DEFAULT_TEMPERATURE, RecoverySpec.Distillation.DEFAULT_WEIGHT};
        NamedArgs.apply("distill", options, Set.of("temperature", "weight"), (option, value) -> {
            settings[option.equals("temperature") ? 0 : 1] = NamedArgs.number("distill", option, value);
        }, null);
        distillation = NamedArgs.checked("distill", () -> new RecoverySpec.Distillation(settings[0], settings[1]));
        return this;
    }

    /** {@code distill true} with the defaults, {@code distill false} to retrain on the labels only. */
    public ExperimentBuilder distill(boolean on) {
        if (on) {
            return distill(Map.of());
        }
        mark("distill");
        distillation = null;
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

    /** {@code schedule('iterative') { target 0.9; steps 4; ramp 'geometric' }}. */
    public ExperimentBuilder schedule(String id,
                                      @DelegatesTo(value = ScheduleBuilder.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        return schedule(id, s -> Scripts.callWith(body, s));
    }

    public ExperimentBuilder schedule(String id, Consumer<ScheduleBuilder> body) {
        mark("schedule");
        var builder = new ScheduleBuilder(id);
        body.accept(builder);
        this.schedule = builder;
        return this;
    }

    /** {@code finetune epochs: 1, lr: 1e-3, batch: 64}; settings not named keep their earlier values. */
    public ExperimentBuilder finetune(Map<String, ?> options) {
        return finetune(f -> f.apply(options));
    }

    /** {@code finetune { epochs 1; lr 1e-3 }}. */
    public ExperimentBuilder finetune(@DelegatesTo(value = FinetuneBuilder.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        return finetune(f -> Scripts.callWith(body, f));
    }

    public ExperimentBuilder finetune(Consumer<FinetuneBuilder> body) {
        mark("finetune");
        var builder = new FinetuneBuilder().from(finetune);
        body.accept(builder);
        this.finetune = builder.build();
        return this;
    }

    /** {@code evaluate every: 'step'}; settings not named keep their earlier values. */
    public ExperimentBuilder evaluate(Map<String, ?> options) {
        return evaluate(e -> e.apply(options));
    }

    /** {@code evaluate { every 'final'; latencyBatch 8 }}. */
    public ExperimentBuilder evaluate(@DelegatesTo(value = EvaluateBuilder.class, strategy = Closure.DELEGATE_ONLY) Closure<?> body) {
        return evaluate(e -> Scripts.callWith(body, e));
    }

    public ExperimentBuilder evaluate(Consumer<EvaluateBuilder> body) {
        mark("evaluate");
        var builder = new EvaluateBuilder().from(evaluate);
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
        if (baseline) {
            checkBaseline();
        } else if (compare != null && schedule != null) {
            throw refused("compare prunes nothing, so it takes no schedule; remove schedule '" + schedule.id() + "'", "schedule");
        } else if (compare == null && schedule == null) {
            throw new BadInputException("experiment '" + name + "' has no schedule; add for example schedule 'one-shot', target: 0.9, "
                    + "or declare baseline('" + name + "') { ... } to train the dense model without pruning");
        }
        boolean ownTargets = scope instanceof Scope.PerLayer || budget != null;
        if (schedule != null && ownTargets && schedule.hasTarget()) {
            throw refused((budget != null ? "scope fromSensitivity(...) chooses" : "scope perLayer(...) gives") + " each layer its own "
                    + "final target, so schedule '" + schedule.id() + "' takes no target; remove target: from the schedule, "
                    + "or use scope global() or layerwise() with it", "schedule");
        }
        var choice = schedule == null ? null : schedule.build(!ownTargets);
        var analysis = sensitivity == null && budget == null ? null
                : (sensitivity == null ? new SensitivityBuilder() : sensitivity).build(budget);
        boolean removes = shrink == null ? granularity instanceof Granularity.Structured && compare == null : shrink;
        var saliency = NamedArgs.checked("calibration", () -> new SaliencySpec(this.saliency.id(), this.saliency.options(), calibration));
        return NamedArgs.checked("experiment '" + name + "'", () -> new ExperimentSpec(name, seed, model, data, saliency,
                granularity, scope, choice, finetune, evaluate, declaredAt, compare, analysis, removes,
                new RecoverySpec(rewind, distillation), control, export));
    }

    /** A baseline declares only what training and evaluating the dense model need. */
    private void checkBaseline() {
        var pruning = declared.stream().filter(part -> !BASELINE_PARTS.contains(part)).toList();
        if (!pruning.isEmpty()) {
            throw refused("baseline('" + name + "') only trains and evaluates the dense model, so it takes no " + pruning.get(0)
                    + "; remove it, or declare experiment('" + name + "') to prune", pruning.get(0));
        }
        // a baseline derived from another experiment keeps its model, data and evaluation, not its pruning
        schedule = null;
        compare = null;
        sensitivity = null;
        budget = null;
        rewind = null;
        distillation = null;
        control = false;
    }

    private BadInputException refused(String message, String part) {
        String where = Optional.ofNullable(declaredAt.get(part)).map(l -> " (at " + l + ")").orElse("");
        String origin = derivedFrom != null && !declared.contains(part) ? " (inherited from experiment '" + derivedFrom + "')" : "";
        return new BadInputException("experiment '" + name + "': " + message + origin + where);
    }

    private void mark(String part) {
        declared.add(part);
        Declarations.caller().ifPresent(location -> declaredAt.put(part, location));
    }
}
