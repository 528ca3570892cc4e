package dev.secateur.cluster;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.CompareSpec;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.EvaluateSpec;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ExportSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.Preprocessing;
import dev.secateur.spec.RecoverySpec;
import dev.secateur.spec.SaliencySpec;
import dev.secateur.spec.ScheduleChoice;
import dev.secateur.spec.SensitivitySpec;
import dev.secateur.spec.SourceLocation;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Scope;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * An experiment spec as JSON, for the one place a spec crosses JVMs: a sweep's experiment sent to a worker.
 * Decoding goes through the specs' own validating constructors, so a worker accepts only what a script could
 * have declared; it never receives code.
 */
public final class SpecWire {

    private SpecWire() {
    }

    public static JsonObject encode(ExperimentSpec spec) {
        var json = new JsonObject()
                .put("name", spec.name())
                .put("seed", spec.seed())
                .put("model", model(spec.model()))
                .put("data", data(spec.data()))
                .put("saliency", saliency(spec.saliency()))
                .put("granularity", granularity(spec.granularity()))
                .put("scope", scope(spec.scope()))
                .put("finetune", training(spec.finetune()))
                .put("evaluate", new JsonObject().put("everyStep", spec.evaluate().everyStep())
                        .put("latencyBatch", spec.evaluate().latencyBatch()).put("latencyWarmup", spec.evaluate().latencyWarmup())
                        .put("latencyRepeats", spec.evaluate().latencyRepeats()).put("largeBatch", spec.evaluate().largeBatch()))
                .put("shrink", spec.shrink());
        if (spec.schedule() != null) {
            var s = spec.schedule();
            json.put("schedule", new JsonObject().put("id", s.id()).put("target", s.target()).put("steps", s.steps())
                    .put("options", options(s.options())));
        }
        if (spec.compare() != null) {
            var c = spec.compare();
            json.put("compare", new JsonObject()
                    .put("criteria", new JsonArray(c.criteria().stream().map(SpecWire::saliency).toList()))
                    .put("against", saliency(c.against()))
                    .put("layers", refs(c.layers()))
                    .put("granularity", granularity(c.granularity())));
        }
        if (spec.sensitivity() != null) {
            var s = spec.sensitivity();
            var sensitivity = new JsonObject().put("ratios", new JsonArray(List.copyOf(s.ratios()))).put("samples", s.samples())
                    .put("layers", refs(s.layers()));
            if (s.budget() != null) {
                sensitivity.put("budget", new JsonObject().put("measure", s.budget().measure().name()).put("cut", s.budget().cut()));
            }
            json.put("sensitivity", sensitivity);
        }
        var recovery = spec.recovery();
        if (recovery.rewind() instanceof RecoverySpec.Rewind.Weights weights) {
            json.put("rewind", new JsonObject().put("kind", "weights").put("iteration", weights.iteration()));
        } else if (recovery.rewind() != null) {
            json.put("rewind", new JsonObject().put("kind", "lr"));
        }
        if (recovery.distillation() != null) {
            json.put("distill", new JsonObject().put("temperature", recovery.distillation().temperature())
                    .put("weight", recovery.distillation().weight()));
        }
        json.put("control", spec.control());
        json.put("export", new JsonObject().put("onnx", spec.export().onnx()));
        var declared = new JsonObject();
        new TreeMap<>(spec.declaredAt()).forEach((key, at) -> declared.put(key, new JsonObject().put("file", at.file()).put("line", at.line())));
        return json.put("declaredAt", declared);
    }

    /** The spec back, through its validating constructors; a malformed message is refused as bad input. */
    public static ExperimentSpec decode(JsonObject json) {
        try {
            var declared = new LinkedHashMap<String, SourceLocation>();
            json.getJsonObject("declaredAt", new JsonObject()).forEach(e -> {
                var at = (JsonObject) e.getValue();
                declared.put(e.getKey(), new SourceLocation(at.getString("file"), at.getInteger("line")));
            });
            var schedule = json.getJsonObject("schedule");
            var compare = json.getJsonObject("compare");
            var sensitivity = json.getJsonObject("sensitivity");
            var evaluate = json.getJsonObject("evaluate");
            return new ExperimentSpec(json.getString("name"), json.getLong("seed"), model(json.getJsonObject("model")),
                    data(json.getJsonObject("data")), saliency(json.getJsonObject("saliency")),
                    granularity(json.getJsonObject("granularity")), scope(json.getJsonObject("scope")),
                    schedule == null ? null : new ScheduleChoice(schedule.getString("id"), schedule.getDouble("target"),
                            schedule.getInteger("steps"), options(schedule.getJsonObject("options"))),
                    training(json.getJsonObject("finetune")),
                    new EvaluateSpec(evaluate.getBoolean("everyStep"), evaluate.getInteger("latencyBatch"),
                            evaluate.getInteger("latencyWarmup"), evaluate.getInteger("latencyRepeats"), evaluate.getInteger("largeBatch")),
                    declared,
                    compare == null ? null : new CompareSpec(
                            compare.getJsonArray("criteria").stream().map(c -> saliency((JsonObject) c)).toList(),
                            saliency(compare.getJsonObject("against")), refs(compare.getJsonArray("layers")),
                            granularity(compare.getJsonObject("granularity"))),
                    sensitivity == null ? null : new SensitivitySpec(
                            numbers(sensitivity.getJsonArray("ratios")),
                            sensitivity.getInteger("samples"), refs(sensitivity.getJsonArray("layers")),
                            sensitivity.getJsonObject("budget") == null ? null : new SensitivitySpec.Budget(
                                    SensitivitySpec.Measure.valueOf(sensitivity.getJsonObject("budget").getString("measure")),
                                    sensitivity.getJsonObject("budget").getDouble("cut"))),
                    json.getBoolean("shrink"), recovery(json), json.getBoolean("control", false),
                    new ExportSpec(json.getJsonObject("export", new JsonObject()).getBoolean("onnx", false)));
        } catch (RuntimeException e) {
            throw new BadInputException("the experiment sent over the cluster is not a valid spec (" + e.getMessage()
                    + "); coordinator and worker must run the same Secateur version", e);
        }
    }

    private static RecoverySpec recovery(JsonObject json) {
        var rewind = json.getJsonObject("rewind");
        var distill = json.getJsonObject("distill");
        return new RecoverySpec(
                rewind == null ? null : switch (rewind.getString("kind")) {
                    case "weights" -> new RecoverySpec.Rewind.Weights(rewind.getInteger("iteration"));
                    case "lr" -> new RecoverySpec.Rewind.LearningRate();
                    default -> throw new IllegalArgumentException("unknown rewind kind " + rewind.getString("kind"));
                },
                distill == null ? null : new RecoverySpec.Distillation(distill.getDouble("temperature"), distill.getDouble("weight")));
    }

    private static JsonObject model(ModelSpec model) {
        if (model instanceof ModelSpec.Train train) {
            return new JsonObject().put("train", train.architecture()).put("training", training(train.training()));
        }
        return new JsonObject().put("load", ((ModelSpec.Load) model).file().toString());
    }

    private static ModelSpec model(JsonObject json) {
        return json.containsKey("train") ? new ModelSpec.Train(json.getString("train"), training(json.getJsonObject("training")))
                : new ModelSpec.Load(Path.of(json.getString("load")));
    }

    private static JsonObject training(TrainingSpec t) {
        return new JsonObject().put("epochs", t.epochs()).put("batch", t.batchSize()).put("lr", t.learningRate()).put("l2", t.l2())
                .put("decay", t.decay().word());
    }

    private static TrainingSpec training(JsonObject json) {
        return new TrainingSpec(json.getInteger("epochs"), json.getInteger("batch"), json.getDouble("lr"), json.getDouble("l2"),
                TrainingSpec.Decay.of(json.getString("decay", "constant")));
    }

    public static JsonObject data(DataSpec data) {
        var p = data.preprocessing();
        var json = new JsonObject().put("trainLimit", data.trainLimit()).put("testLimit", data.testLimit())
                .put("validation", data.validation())
                .put("preprocessing", new JsonObject().put("scale", p.scale()).put("mean", new JsonArray(p.mean()))
                        .put("std", new JsonArray(p.std())));
        if (data.source() instanceof DataSpec.Directory dir) {
            return json.put("source", "directory").put("path", dir.path().toString()).put("family", dir.family().name());
        }
        return json.put("source", data.source() instanceof DataSpec.Embedded ? "embedded" : "auto");
    }

    public static DataSpec data(JsonObject json) {
        DataSpec.Source source = switch (json.getString("source")) {
            case "directory" -> new DataSpec.Directory(Path.of(json.getString("path")), DataSpec.Family.valueOf(json.getString("family")));
            case "embedded" -> new DataSpec.Embedded();
            case "auto" -> new DataSpec.Auto();
            default -> throw new IllegalArgumentException("unknown data source '" + json.getString("source") + "'");
        };
        var p = json.getJsonObject("preprocessing");
        return new DataSpec(source, json.getInteger("trainLimit"), json.getInteger("testLimit"), json.getInteger("validation", 0),
                p == null ? Preprocessing.DEFAULT : new Preprocessing(p.getDouble("scale"), numbers(p.getJsonArray("mean")),
                        numbers(p.getJsonArray("std"))));
    }

    private static List<Double> numbers(JsonArray json) {
        return json.stream().map(n -> ((Number) n).doubleValue()).toList();
    }

    private static JsonObject saliency(SaliencySpec s) {
        return new JsonObject().put("id", s.id()).put("options", options(s.options())).put("calibration", s.calibration());
    }

    private static SaliencySpec saliency(JsonObject json) {
        return new SaliencySpec(json.getString("id"), options(json.getJsonObject("options")), json.getInteger("calibration"));
    }

    static JsonObject granularity(Granularity g) {
        if (g instanceof Granularity.Unstructured u) {
            return new JsonObject().put("kind", "unstructured").put("perOutput", u.perOutput());
        }
        if (g instanceof Granularity.SemiStructured nm) {
            return new JsonObject().put("kind", "nm").put("n", nm.n()).put("m", nm.m());
        }
        return new JsonObject().put("kind", "structured").put("reduction", ((Granularity.Structured) g).reduction().name())
                .put("roundTo", ((Granularity.Structured) g).roundTo());
    }

    static Granularity granularity(JsonObject json) {
        return switch (json.getString("kind")) {
            case "unstructured" -> new Granularity.Unstructured(json.getBoolean("perOutput"));
            case "nm" -> new Granularity.SemiStructured(json.getInteger("n"), json.getInteger("m"));
            case "structured" -> new Granularity.Structured(GroupReduction.valueOf(json.getString("reduction")),
                    json.getInteger("roundTo", 1));
            default -> throw new IllegalArgumentException("unknown granularity '" + json.getString("kind") + "'");
        };
    }

    private static JsonObject scope(Scope scope) {
        var json = new JsonObject().put("kind", scope.id()).put("excluded", refs(List.copyOf(new java.util.TreeSet<>(scope.excluded()))));
        if (scope instanceof Scope.PerLayer perLayer) {
            var targets = new JsonObject();
            new TreeMap<>(perLayer.targets()).forEach((ref, t) -> targets.put(ref.toString(), t));
            json.put("targets", targets);
        }
        return json;
    }

    private static Scope scope(JsonObject json) {
        Set<ParamRef> excluded = Set.copyOf(refs(json.getJsonArray("excluded")));
        if (json.containsKey("targets")) {
            var targets = new LinkedHashMap<ParamRef, Double>();
            json.getJsonObject("targets").forEach(e -> targets.put(ParamRef.parse(e.getKey()), ((Number) e.getValue()).doubleValue()));
            return new Scope.PerLayer(targets, excluded);
        }
        return switch (json.getString("kind")) {
            case "layer-wise" -> new Scope.LayerWise(excluded);
            case "global" -> new Scope.Global(excluded);
            default -> throw new IllegalArgumentException("unknown scope '" + json.getString("kind") + "'");
        };
    }

    private static JsonArray refs(List<ParamRef> refs) {
        return new JsonArray(refs.stream().map(ParamRef::toString).collect(Collectors.toList()));
    }

    private static List<ParamRef> refs(JsonArray json) {
        return json.stream().map(r -> ParamRef.parse((String) r)).toList();
    }

    private static JsonObject options(Options options) {
        var json = new JsonObject();
        options.values().forEach((key, value) -> json.put(key, plain(value)));
        return json;
    }

    private static Options options(JsonObject json) {
        return json == null ? Options.NONE : new Options(new LinkedHashMap<>(json.getMap()));
    }

    /** Groovy's decimals are BigDecimals; JSON carries numbers, strings and booleans. */
    private static Object plain(Object value) {
        if (value instanceof BigDecimal d) {
            return d.doubleValue();
        }
        if (value instanceof BigInteger i) {
            return i.longValueExact();
        }
        if (value instanceof Number || value instanceof Boolean || value instanceof String || value == null) {
            return value;
        }
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            return value;
        }
        return value.toString();
    }
}
