package dev.secateur.spec;

import dev.secateur.spi.Granularity;
import dev.secateur.spi.Scope;
import java.util.HexFormat;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One experiment, fully declared: what to load, how to score, prune, fine-tune and evaluate. Scripts
 * and Java code build it with {@code dev.secateur.dsl.ExperimentBuilder}; running it is separate.
 *
 * @param schedule   how pruning proceeds; null for an experiment that prunes nothing: a dense baseline or a
 *                   criteria comparison
 * @param declaredAt where each part was declared (keys such as {@code saliency}), for error messages
 * @param compare    a criteria comparison to run instead of pruning steps, or null
 * @param sensitivity a sensitivity analysis to run after the baseline, or null; with a budget, its ratios
 *                   replace the scope
 * @param shrink     whether pruned units are removed physically after the last step (structured only)
 * @param recovery   how the network recovers after each pruning step: rewinding and distillation
 * @param control    whether a dense control also trains, from the same starting model, on exactly the examples
 *                   the pruned model retrains on, so each step is judged against an equally trained network
 * @param export     what the run also writes into {@code export/} when it completes (ONNX)
 */
public record ExperimentSpec(String name, long seed, ModelSpec model, DataSpec data, SaliencySpec saliency,
                             Granularity granularity, Scope scope, ScheduleChoice schedule,
                             TrainingSpec finetune, EvaluateSpec evaluate,
                             Map<String, SourceLocation> declaredAt, CompareSpec compare, SensitivitySpec sensitivity,
                             boolean shrink, RecoverySpec recovery, boolean control, ExportSpec export) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public ExperimentSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("experiment name '" + name
                    + "' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit; it names the run directory");
        }
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(saliency, "saliency");
        Objects.requireNonNull(granularity, "granularity");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(finetune, "finetune");
        Objects.requireNonNull(evaluate, "evaluate");
        declaredAt = Map.copyOf(declaredAt);
        recovery = recovery == null ? RecoverySpec.NONE : recovery;
        export = export == null ? ExportSpec.NONE : export;
        if (schedule == null && !recovery.isNone()) {
            throw new IllegalArgumentException("rewind and distill act when the network retrains after pruning, so they need a "
                    + "schedule; remove them, or add for example schedule 'iterative', target: 0.9, steps: 3");
        }
        if (schedule == null && control) {
            throw new IllegalArgumentException("control trains a dense network on the examples the pruned one retrains on, so it "
                    + "needs pruning steps; remove control, or add a schedule");
        }
        if (recovery.rewind() != null && !(model instanceof ModelSpec.Train)) {
            throw new IllegalArgumentException("rewind '" + (recovery.rewind() instanceof RecoverySpec.Rewind.Weights ? "weights" : "lr")
                    + "' returns to the dense training's " + (recovery.rewind() instanceof RecoverySpec.Rewind.Weights
                    ? "early weights" : "learning rate") + ", so the model must be trained in this experiment: "
                    + "model { train 'lenet-300-100', epochs: 3 }, not a loaded one");
        }
        if (sensitivity != null && !(granularity instanceof Granularity.Structured)) {
            throw new IllegalArgumentException("a sensitivity analysis removes whole units, so it needs granularity filters() "
                    + "or neurons(), not " + granularity.id());
        }
        if (shrink && !(granularity instanceof Granularity.Structured)) {
            throw new IllegalArgumentException("shrink removes whole units physically, so it needs granularity filters() or "
                    + "neurons(); " + granularity.id() + " masks keep every tensor's shape");
        }
        if (granularity instanceof Granularity.Structured structured && structured.roundTo() > 1 && scope instanceof Scope.Global) {
            throw new IllegalArgumentException("round_to rounds each layer's kept units, so it needs scope layerwise(), "
                    + "perLayer(...) or fromSensitivity(...), not global()");
        }
        if (sensitivity != null && compare != null) {
            throw new IllegalArgumentException("compare prunes nothing, so it cannot be combined with a sensitivity analysis");
        }
        if (schedule != null && compare != null) {
            throw new IllegalArgumentException("compare prunes nothing, so it takes no schedule; remove the schedule");
        }
        if (schedule == null && sensitivity != null) {
            throw new IllegalArgumentException("a sensitivity analysis chooses what to prune, so it needs a schedule, "
                    + "for example schedule 'one-shot'");
        }
    }

    /** The same experiment on another model. */
    public ExperimentSpec withModel(ModelSpec other) {
        return new ExperimentSpec(name, seed, other, data, saliency, granularity, scope, schedule, finetune, evaluate,
                declaredAt, compare, sensitivity, shrink, recovery, control, export);
    }

    /** Without rewinding, distillation, a control or an export. */
    public ExperimentSpec(String name, long seed, ModelSpec model, DataSpec data, SaliencySpec saliency,
                          Granularity granularity, Scope scope, ScheduleChoice schedule, TrainingSpec finetune,
                          EvaluateSpec evaluate, Map<String, SourceLocation> declaredAt, CompareSpec compare,
                          SensitivitySpec sensitivity, boolean shrink) {
        this(name, seed, model, data, saliency, granularity, scope, schedule, finetune, evaluate, declaredAt, compare,
                sensitivity, shrink, RecoverySpec.NONE, false, ExportSpec.NONE);
    }

    /**
     * The training each pruning step retrains with: the fine-tuning settings, except that rewinding (weights or
     * learning rate) replays the dense training's learning rate and its decay.
     */
    public TrainingSpec retraining(TrainingSpec step) {
        if (recovery.rewind() != null && model instanceof ModelSpec.Train train) {
            return new TrainingSpec(step.epochs(), step.batchSize(), train.training().learningRate(), step.l2(), train.training().decay());
        }
        return step;
    }

    /**
     * What identifies this experiment across runs, for resuming: a digest of its canonical JSON ({@link SpecJson},
     * with its format version), but not of the lines it was declared at, so an edited comment above it does not
     * make it another experiment, nor of how a path is spelled: {@code runs/x/model-final.zip} from a script run
     * and the absolute path a resumed script gets for the same run directory are one model.
     */
    public String key() {
        var canonical = SpecJson.encode(withoutDeclarations());
        canonical.remove("declaredAt");
        return digest("secateur-spec/" + SpecJson.FORMAT + "\n" + canonical);
    }

    /**
     * The key that runs recorded before the canonical form carry (a digest of the record's text), so that
     * {@code resume: true} still finds them; nothing new is keyed by it.
     */
    public String legacyKey() {
        return digest(keyText(withoutDeclarations()));
    }

    private ExperimentSpec withoutDeclarations() {
        return new ExperimentSpec(name, seed, absolute(model), absolute(data), saliency, granularity, scope, schedule,
                finetune, evaluate, Map.of(), compare, sensitivity, shrink, recovery, control, export);
    }

    private static String digest(String text) {
        try {
            var digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ModelSpec absolute(ModelSpec model) {
        return model instanceof ModelSpec.Load load ? new ModelSpec.Load(load.file().toAbsolutePath().normalize()) : model;
    }

    /** Only IDX directories: the runs this key finds predate every other source. */
    private static DataSpec absolute(DataSpec data) {
        return data != null && data.source() instanceof DataSpec.Directory dir
                ? data.withSource(new DataSpec.Directory(dir.path().toAbsolutePath().normalize(), dir.family()))
                : data;
    }

    /**
     * Specs without recovery, control, declared preprocessing, sizes or an export keep the key they had before those
     * existed, so their runs still resume; a spec that adds {@code export onnx: true} is another experiment, whose
     * run writes the file.
     */
    private static String keyText(ExperimentSpec spec) {
        String text = spec.toString();
        String exported = ", export=" + spec.export() + "]";
        if (spec.export().isNone() && text.endsWith(exported)) {
            text = text.substring(0, text.length() - exported.length()) + "]";
        }
        String data = spec.data().toString();
        String shorter = data.replace(", testFraction=0.0, classes=0, standardize=false]", "]");
        if (spec.data().preprocessing().isDefault()) {
            shorter = shorter.replace(", preprocessing=" + Preprocessing.DEFAULT, "");
        }
        text = text.replace(data, shorter).replace(", sizes={}]", "]").replace(", hidden=[]]", "]");
        String added = ", recovery=" + spec.recovery() + ", control=" + spec.control() + "]";
        return spec.recovery().isNone() && !spec.control() && text.endsWith(added)
                ? text.substring(0, text.length() - added.length()) + "]" : text;
    }

    /** Whether the run prunes: false for a dense baseline and for a criteria comparison. */
    public boolean prunes() {
        return schedule != null;
    }

    /** Whether the scope's per-layer ratios come from the sensitivity analysis. */
    public boolean scopeFromSensitivity() {
        return sensitivity != null && sensitivity.budget() != null;
    }

    /** " (at script.groovy:7)" for the declaration of {@code part}, or "" if it was not declared in a script. */
    public String at(String part) {
        return Optional.ofNullable(declaredAt.get(part)).map(l -> " (at " + l + ")").orElse("");
    }
}
