package dev.secateur.record;

import dev.secateur.config.Machine;
import dev.secateur.config.Version;
import dev.secateur.data.DataSplits;
import dev.secateur.finetune.FineTuner;
import dev.secateur.model.NativeBackend;
import dev.secateur.plugin.PluginPins;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.RecoverySpec;
import dev.secateur.spec.ScriptOrigin;
import dev.secateur.spec.SpecJson;
import dev.secateur.spi.Scope;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * spec.json: the experiment as it actually ran, with everything a number needs to be traced: plugin ids,
 * versions and the digests of the files they came from, the seed, the resolved data source and its digest, the planned step targets, and the
 * versions of Secateur, Java and the ND4J backend.
 */
public record ResolvedSpec(String runId, ExperimentSpec spec, String saliencyVersion, String scheduleVersion,
                           long modelParams, String dataSource, String dataSha256, int trainSize, int testSize,
                           List<Double> stepTargets, Map<String, PluginPins.Pinned> plugins,
                           ScriptOrigin script, DataSplits.Details dataDetails) {

    public ResolvedSpec {
        stepTargets = List.copyOf(stepTargets);
        plugins = Map.copyOf(plugins);
    }

    /** A spec run from no script (the Java API, a test). */
    public ResolvedSpec(String runId, ExperimentSpec spec, String saliencyVersion, String scheduleVersion, long modelParams,
                        String dataSource, String dataSha256, int trainSize, int testSize, List<Double> stepTargets,
                        Map<String, PluginPins.Pinned> plugins) {
        this(runId, spec, saliencyVersion, scheduleVersion, modelParams, dataSource, dataSha256, trainSize, testSize, stepTargets,
                plugins, null, null);
    }

    public ResolvedSpec withScript(ScriptOrigin origin) {
        return new ResolvedSpec(runId, spec, saliencyVersion, scheduleVersion, modelParams, dataSource, dataSha256, trainSize,
                testSize, stepTargets, plugins, origin, dataDetails);
    }

    /** The saliency that chose what was pruned, or "" for a run that prunes nothing (a baseline, a comparison). */
    public String saliency() {
        return spec.prunes() ? spec.saliency().id() : "";
    }

    /** spec.json, with the ND4J native build that ran it. */
    public Map<String, Object> json(String backend) {
        var json = new LinkedHashMap<String, Object>();
        json.put("runId", runId);
        json.put("experiment", spec.name());
        json.put("createdAt", Instant.now().toString());
        json.put("seed", spec.seed());
        var model = new LinkedHashMap<String, Object>();
        if (spec.model() instanceof ModelSpec.Train train) {
            model.put("train", train.architecture());
            if (!train.hidden().isEmpty()) {
                model.put("hidden", train.hidden());
            }
            if (!train.sizes().isEmpty()) {
                model.put("sizes", train.sizes());
            }
            model.put("epochs", train.training().epochs());
            model.put("batch", train.training().batchSize());
            model.put("lr", train.training().learningRate());
            model.put("l2", train.training().l2());
            model.put("decay", train.training().decay().word());
        } else {
            model.put("load", ((ModelSpec.Load) spec.model()).file().toAbsolutePath().toString());
        }
        model.put("params", modelParams);
        json.put("model", model);
        var data = new LinkedHashMap<String, Object>();
        data.put("source", dataSource);
        data.put("requested", describe(spec.data().source()));
        data.put("sha256", dataSha256);
        data.put("train", trainSize);
        data.put("test", testSize);
        data.put("trainLimit", spec.data().trainLimit());
        data.put("testLimit", spec.data().testLimit());
        data.put("validation", spec.data().validation());
        // x' = (x·scale − mean[c]) / std[c]; empty mean and std for none
        var preprocessing = new LinkedHashMap<String, Object>();
        preprocessing.put("scale", spec.data().preprocessing().scale());
        preprocessing.put("mean", spec.data().preprocessing().mean());
        preprocessing.put("std", spec.data().preprocessing().std());
        data.put("preprocessing", preprocessing);
        if (spec.data().testFraction() > 0) {
            data.put("testFraction", spec.data().testFraction());
        }
        if (dataDetails != null) {
            details(data, dataDetails);
        }
        json.put("data", data);
        json.put("saliency", Map.of("id", spec.saliency().id(), "version", saliencyVersion,
                "options", spec.saliency().options().values(), "calibrationSamples", spec.saliency().calibration()));
        if (spec.compare() != null) {
            var compare = new LinkedHashMap<String, Object>();
            compare.put("criteria", spec.compare().criteria().stream()
                    .map(c -> Map.of("id", c.id(), "options", c.options().values())).toList());
            compare.put("against", Map.of("id", spec.compare().against().id(), "options", spec.compare().against().options().values()));
            compare.put("layers", spec.compare().layers().stream().map(Object::toString).toList());
            compare.put("granularity", spec.compare().granularity().id());
            json.put("compare", compare);
        }
        json.put("shrink", spec.shrink());
        if (spec.sensitivity() != null) {
            var sensitivity = new LinkedHashMap<String, Object>();
            sensitivity.put("ratios", spec.sensitivity().ratios());
            sensitivity.put("samples", spec.sensitivity().samples());
            sensitivity.put("layers", spec.sensitivity().layers().stream().map(Object::toString).toList());
            var budget = spec.sensitivity().budget();
            sensitivity.put("budget", budget == null ? null : Map.of("measure", budget.measure().name().toLowerCase(Locale.ROOT),
                    "cut", budget.cut()));
            if (spec.sensitivity().recover() > 0) {
                // each point retrained on this many examples with the fine-tuning settings above before it was measured
                sensitivity.put("recover", spec.sensitivity().recover());
            }
            json.put("sensitivity", sensitivity);
        }
        json.put("granularity", spec.granularity().id());
        json.put("scope", scope(spec.scope()));
        if (spec.schedule() == null) {
            json.put("schedule", null); // nothing is pruned: a dense baseline or a comparison
        } else {
            var schedule = new LinkedHashMap<String, Object>();
            schedule.put("id", spec.schedule().id());
            schedule.put("version", scheduleVersion);
            schedule.put("target", spec.schedule().target());
            schedule.put("steps", spec.schedule().steps());
            schedule.put("options", spec.schedule().options().values());
            schedule.put("stepTargets", stepTargets);
            json.put("schedule", schedule);
        }
        var finetune = new LinkedHashMap<String, Object>();
        finetune.put("epochs", spec.finetune().epochs());
        finetune.put("batch", spec.finetune().batchSize());
        finetune.put("lr", spec.finetune().learningRate());
        finetune.put("l2", spec.finetune().l2()); // null: the network's own regularization
        finetune.put("decay", spec.finetune().decay().word());
        json.put("finetune", finetune);
        var recovery = spec.recovery();
        var rewind = new LinkedHashMap<String, Object>();
        if (recovery.rewind() instanceof RecoverySpec.Rewind.Weights weights) {
            rewind.put("kind", "weights");
            rewind.put("iteration", weights.iteration());
        } else if (recovery.rewind() != null) {
            rewind.put("kind", "lr");
        }
        json.put("rewind", recovery.rewind() == null ? null : rewind);
        json.put("distill", recovery.distillation() == null ? null : Map.of("temperature", recovery.distillation().temperature(),
                "weight", recovery.distillation().weight()));
        json.put("control", spec.control());
        json.put("export", Map.of("onnx", spec.export().onnx()));
        json.put("evaluate", Map.of("every", spec.evaluate().everyStep() ? "step" : "final",
                "latencyBatch", spec.evaluate().latencyBatch(), "latencyWarmup", spec.evaluate().latencyWarmup(),
                "latencyRepeats", spec.evaluate().latencyRepeats()));
        var files = new TreeMap<String, Object>();
        plugins.forEach((key, pinned) -> files.put(key, Map.of("version", pinned.version(), "file", pinned.file(),
                "sha256", pinned.sha256())));
        json.put("plugins", files);
        // what a resume matches a script's experiment against, and the script to run again
        json.put("specKey", spec.key());
        // the experiment as declared, in the one canonical form a worker also receives
        json.put("spec", SpecJson.encode(spec));
        if (script != null) {
            var origin = new LinkedHashMap<String, Object>();
            origin.put("file", script.file());
            origin.put("args", script.args());
            // the script's content when it started, which a later edit of the file would not show
            if (script.sha256() != null) {
                origin.put("sha256", script.sha256());
            }
            json.put("script", origin);
        }
        // which code trained and ran the layers: the numbers round differently on each (docs/results/speed.md)
        var runtime = new LinkedHashMap<String, Object>();
        runtime.put("secateur", Version.get());
        runtime.put("commit", Version.commit());
        runtime.put("java", System.getProperty("java.version"));
        runtime.put("nd4jBackend", backend);
        runtime.put("oneDnnLayers", NativeBackend.layerHelpersActive());
        runtime.put("denseTrainingLoop", FineTuner.denseLoopEnabled());
        runtime.put("flushTinyMoments", FineTuner.flushTinyMomentsEnabled());
        // the same code rounds differently on another CPU or thread count: what a generated table's stamp names
        runtime.put("machine", Machine.current().json());
        json.put("runtime", runtime);
        return json;
    }

    /** What the loader found: the example shape, the classes, each file's SHA-256 and the preprocessing applied. */
    private static void details(Map<String, Object> data, DataSplits.Details details) {
        data.put("shape", Arrays.stream(details.shape().dims()).boxed().toList());
        data.put("classes", details.classes());
        if (!details.classNames().isEmpty()) {
            data.put("classNames", details.classNames());
        }
        data.put("files", details.files().stream().map(file -> {
            var entry = new LinkedHashMap<String, Object>();
            entry.put("path", file.path());
            entry.put("bytes", file.bytes());
            entry.put("sha256", file.sha256());
            return entry;
        }).toList());
        var applied = new LinkedHashMap<String, Object>();
        applied.put("scale", details.preprocessing().scale());
        applied.put("mean", details.preprocessing().mean());
        applied.put("std", details.preprocessing().std());
        data.put("applied", applied);
        if (details.standardization() != null) {
            var standardization = new LinkedHashMap<String, Object>();
            standardization.put("mean", details.standardization().mean());
            standardization.put("std", details.standardization().std());
            data.put("standardization", standardization);
        }
    }

    /** A scope as JSON: its kind, the excluded parameters, and per-layer targets if it has them. */
    static Map<String, Object> scope(Scope scope) {
        var json = new LinkedHashMap<String, Object>();
        json.put("kind", scope.id());
        json.put("excluded", scope.excluded().stream().map(Object::toString).toList());
        if (scope instanceof Scope.PerLayer perLayer) {
            var targets = new TreeMap<String, Double>();
            perLayer.targets().forEach((ref, t) -> targets.put(ref.toString(), t));
            json.put("targets", targets);
        }
        return json;
    }

    private static String describe(DataSpec.Source source) {
        if (source instanceof DataSpec.Directory dir) {
            return dir.family().id() + " " + dir.path();
        }
        if (source instanceof DataSpec.Auto || source instanceof DataSpec.Embedded) {
            return source instanceof DataSpec.Embedded ? "embedded" : "auto";
        }
        return SpecJson.data(DataSpec.of(source)).get("source").asText() + " "
                + source.paths().stream().map(Object::toString).collect(Collectors.joining(", "));
    }
}
