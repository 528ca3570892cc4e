package dev.secateur.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.errors.BadInputException;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Scope;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The one JSON form of an {@link ExperimentSpec}: what a sweep sends a cluster worker, what spec.json keeps
 * under {@code spec}, and what {@link ExperimentSpec#key} hashes. It is canonical (fields in a fixed order,
 * options and maps sorted by key), so the same declaration always gives the same bytes. Decoding goes through
 * the specs' own validating constructors, so only what a script could have declared comes back; never code.
 */
public final class SpecJson {

    /** The version of this form, part of every key: a change of form is a change of key, never a silent clash. */
    public static final int FORMAT = 2;

    private static final ObjectMapper JSON = new ObjectMapper();

    private SpecJson() {
    }

    public static ObjectNode encode(ExperimentSpec spec) {
        var json = JSON.createObjectNode();
        json.put("format", FORMAT);
        json.put("name", spec.name());
        json.put("seed", spec.seed());
        json.set("model", model(spec.model()));
        json.set("data", data(spec.data()));
        json.set("saliency", saliency(spec.saliency()));
        json.set("granularity", granularity(spec.granularity()));
        json.set("scope", scope(spec.scope()));
        json.set("finetune", training(spec.finetune()));
        var evaluate = json.putObject("evaluate");
        evaluate.put("everyStep", spec.evaluate().everyStep());
        evaluate.put("latencyBatch", spec.evaluate().latencyBatch());
        evaluate.put("latencyWarmup", spec.evaluate().latencyWarmup());
        evaluate.put("latencyRepeats", spec.evaluate().latencyRepeats());
        evaluate.put("largeBatch", spec.evaluate().largeBatch());
        json.put("shrink", spec.shrink());
        if (spec.schedule() != null) {
            var s = spec.schedule();
            var schedule = json.putObject("schedule");
            schedule.put("id", s.id());
            schedule.put("target", s.target());
            schedule.put("steps", s.steps());
            schedule.set("options", options(s.options()));
        }
        if (spec.compare() != null) {
            var c = spec.compare();
            var compare = json.putObject("compare");
            var criteria = compare.putArray("criteria");
            c.criteria().forEach(criterion -> criteria.add(saliency(criterion)));
            compare.set("against", saliency(c.against()));
            compare.set("layers", refs(c.layers()));
            compare.set("granularity", granularity(c.granularity()));
        }
        if (spec.sensitivity() != null) {
            var s = spec.sensitivity();
            var sensitivity = json.putObject("sensitivity");
            var ratios = sensitivity.putArray("ratios");
            s.ratios().forEach(ratios::add);
            sensitivity.put("samples", s.samples());
            sensitivity.set("layers", refs(s.layers()));
            if (s.budget() != null) {
                var budget = sensitivity.putObject("budget");
                budget.put("measure", s.budget().measure().name());
                budget.put("cut", s.budget().cut());
            }
            if (s.recover() > 0) {
                sensitivity.put("recover", s.recover()); // only when declared, so earlier keys stay
            }
        }
        var recovery = spec.recovery();
        if (recovery.rewind() instanceof RecoverySpec.Rewind.Weights weights) {
            json.putObject("rewind").put("kind", "weights").put("iteration", weights.iteration());
        } else if (recovery.rewind() != null) {
            json.putObject("rewind").put("kind", "lr");
        }
        if (recovery.distillation() != null) {
            json.putObject("distill").put("temperature", recovery.distillation().temperature())
                    .put("weight", recovery.distillation().weight());
        }
        json.put("control", spec.control());
        json.putObject("export").put("onnx", spec.export().onnx());
        var declared = json.putObject("declaredAt");
        new TreeMap<>(spec.declaredAt()).forEach((key, at) -> declared.putObject(key).put("file", at.file()).put("line", at.line()));
        return json;
    }

    /**
     * The spec back; a malformed one is refused as bad input.
     *
     * @param origin where it came from, for the message: "the experiment sent over the cluster", "spec.json of run X"
     */
    public static ExperimentSpec decode(JsonNode json, String origin) {
        try {
            int format = json.path("format").asInt(FORMAT);
            if (format != FORMAT) {
                throw new IllegalArgumentException("its format is " + format + ", this Secateur reads " + FORMAT);
            }
            var declared = new LinkedHashMap<String, SourceLocation>();
            json.path("declaredAt").fields().forEachRemaining(e -> declared.put(e.getKey(),
                    new SourceLocation(text(e.getValue(), "file"), integer(e.getValue(), "line"))));
            var schedule = json.get("schedule");
            var compare = json.get("compare");
            var sensitivity = json.get("sensitivity");
            var evaluate = required(json, "evaluate");
            return new ExperimentSpec(text(json, "name"), required(json, "seed").asLong(), model(required(json, "model")),
                    data(required(json, "data")), saliency(required(json, "saliency")),
                    granularity(required(json, "granularity")), scope(required(json, "scope")),
                    schedule == null || schedule.isNull() ? null : new ScheduleChoice(text(schedule, "id"), number(schedule, "target"),
                            integer(schedule, "steps"), options(schedule.get("options"))),
                    training(required(json, "finetune")),
                    new EvaluateSpec(bool(evaluate, "everyStep"), integer(evaluate, "latencyBatch"),
                            integer(evaluate, "latencyWarmup"), integer(evaluate, "latencyRepeats"), integer(evaluate, "largeBatch")),
                    declared,
                    compare == null || compare.isNull() ? null : new CompareSpec(
                            list(required(compare, "criteria")).stream().map(SpecJson::saliency).toList(),
                            saliency(required(compare, "against")), refs(required(compare, "layers")),
                            granularity(required(compare, "granularity"))),
                    sensitivity == null || sensitivity.isNull() ? null : new SensitivitySpec(
                            numbers(required(sensitivity, "ratios")), integer(sensitivity, "samples"),
                            refs(required(sensitivity, "layers")),
                            sensitivity.get("budget") == null ? null : new SensitivitySpec.Budget(
                                    SensitivitySpec.Measure.valueOf(text(sensitivity.get("budget"), "measure")),
                                    number(sensitivity.get("budget"), "cut")),
                            sensitivity.has("recover") ? integer(sensitivity, "recover") : 0),
                    bool(json, "shrink"), recovery(json), json.path("control").asBoolean(false),
                    new ExportSpec(json.path("export").path("onnx").asBoolean(false)));
        } catch (BadInputException e) {
            throw new BadInputException(origin + " is not a valid spec: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new BadInputException(origin + " is not a valid spec (" + e.getMessage() + ")", e);
        }
    }

    private static RecoverySpec recovery(JsonNode json) {
        var rewind = json.get("rewind");
        var distill = json.get("distill");
        return new RecoverySpec(
                rewind == null || rewind.isNull() ? null : switch (text(rewind, "kind")) {
                    case "weights" -> new RecoverySpec.Rewind.Weights(integer(rewind, "iteration"));
                    case "lr" -> new RecoverySpec.Rewind.LearningRate();
                    default -> throw new IllegalArgumentException("unknown rewind kind '" + text(rewind, "kind") + "'");
                },
                distill == null || distill.isNull() ? null
                        : new RecoverySpec.Distillation(number(distill, "temperature"), number(distill, "weight")));
    }

    private static ObjectNode model(ModelSpec model) {
        var json = JSON.createObjectNode();
        if (model instanceof ModelSpec.Train train) {
            json.put("train", train.architecture());
            json.set("training", training(train.training()));
            if (!train.hidden().isEmpty()) {
                train.hidden().forEach(json.putArray("hidden")::add); // only when declared, so earlier keys stay
            }
            if (!train.sizes().isEmpty()) {
                var sizes = json.putObject("sizes");
                train.sizes().forEach(sizes::put);
            }
            return json;
        }
        return json.put("load", ((ModelSpec.Load) model).file().toString());
    }

    private static ModelSpec model(JsonNode json) {
        return json.has("train") ? new ModelSpec.Train(text(json, "train"), training(required(json, "training")),
                json.has("hidden") ? numbers(json.get("hidden")).stream().map(Double::intValue).toList() : List.of(),
                sizes(json.path("sizes")))
                : new ModelSpec.Load(Path.of(text(json, "load")));
    }

    private static Map<String, Integer> sizes(JsonNode json) {
        var sizes = new TreeMap<String, Integer>();
        json.fields().forEachRemaining(e -> sizes.put(e.getKey(), e.getValue().asInt()));
        return sizes;
    }

    /** Training settings alone: what a sensitivity probe that retrains sends a cluster worker. */
    public static ObjectNode training(TrainingSpec t) {
        var json = JSON.createObjectNode().put("epochs", t.epochs()).put("batch", t.batchSize()).put("lr", t.learningRate());
        if (t.l2() == null) {
            json.putNull("l2");
        } else {
            json.put("l2", t.l2());
        }
        return json.put("decay", t.decay().word());
    }

    public static TrainingSpec training(JsonNode json) {
        var l2 = json.get("l2");
        return new TrainingSpec(integer(json, "epochs"), integer(json, "batch"), number(json, "lr"),
                l2 == null || l2.isNull() ? null : l2.asDouble(), TrainingSpec.Decay.of(json.path("decay").asText("constant")));
    }

    public static ObjectNode data(DataSpec data) {
        var p = data.preprocessing();
        var json = JSON.createObjectNode();
        var source = data.source();
        if (source instanceof DataSpec.Directory dir) {
            json.put("source", "directory").put("path", dir.path().toString()).put("family", dir.family().name());
        } else if (source instanceof DataSpec.Npy npy) {
            json.put("source", "npy").put("x", npy.x().toString()).put("y", npy.y().toString());
            if (npy.testX() != null) {
                json.put("testX", npy.testX().toString()).put("testY", npy.testY().toString());
            }
            json.put("layout", npy.layout().name());
        } else if (source instanceof DataSpec.Npz npz) {
            json.put("source", "npz").put("path", npz.file().toString()).put("x", npz.x()).put("y", npz.y());
            if (npz.testX() != null) {
                json.put("testX", npz.testX()).put("testY", npz.testY());
            }
            json.put("layout", npz.layout().name());
        } else if (source instanceof DataSpec.Csv csv) {
            json.put("source", "csv").put("path", csv.file().toString()).put("label", csv.label());
            if (csv.test() != null) {
                json.put("test", csv.test().toString());
            }
        } else if (source instanceof DataSpec.ImageFolder images) {
            json.put("source", "images").put("path", images.dir().toString()).put("height", images.height())
                    .put("width", images.width()).put("channels", images.channels());
        } else if (source instanceof DataSpec.Cifar10 cifar) {
            json.put("source", "cifar10").put("path", cifar.dir().toString());
        } else if (source instanceof DataSpec.Text text) {
            json.put("source", "text").put("path", text.path().toString()).put("context", text.context())
                    .put("include", text.include());
        } else {
            json.put("source", source instanceof DataSpec.Embedded ? "embedded" : "auto");
        }
        json.put("trainLimit", data.trainLimit()).put("testLimit", data.testLimit()).put("validation", data.validation());
        // written only when set, so the specs of earlier runs keep their keys
        if (data.testFraction() > 0) {
            json.put("testFraction", data.testFraction());
        }
        if (data.classes() > 0) {
            json.put("classes", data.classes());
        }
        if (data.standardize()) {
            json.put("standardize", true);
        }
        var preprocessing = json.putObject("preprocessing");
        if (p.scale() == null) {
            preprocessing.putNull("scale");
        } else {
            preprocessing.put("scale", p.scale().doubleValue());
        }
        p.mean().forEach(preprocessing.putArray("mean")::add);
        p.std().forEach(preprocessing.putArray("std")::add);
        return json;
    }

    public static DataSpec data(JsonNode json) {
        DataSpec.Source source = switch (text(json, "source")) {
            case "directory" -> new DataSpec.Directory(Path.of(text(json, "path")), DataSpec.Family.valueOf(text(json, "family")));
            case "embedded" -> new DataSpec.Embedded();
            case "auto" -> new DataSpec.Auto();
            case "npy" -> new DataSpec.Npy(Path.of(text(json, "x")), Path.of(text(json, "y")), optionalPath(json, "testX"),
                    optionalPath(json, "testY"), DataSpec.Layout.valueOf(text(json, "layout")));
            case "npz" -> new DataSpec.Npz(Path.of(text(json, "path")), text(json, "x"), text(json, "y"),
                    optionalText(json, "testX"), optionalText(json, "testY"), DataSpec.Layout.valueOf(text(json, "layout")));
            case "csv" -> new DataSpec.Csv(Path.of(text(json, "path")), text(json, "label"), optionalPath(json, "test"));
            case "images" -> new DataSpec.ImageFolder(Path.of(text(json, "path")), integer(json, "height"), integer(json, "width"),
                    integer(json, "channels"));
            case "cifar10" -> new DataSpec.Cifar10(Path.of(text(json, "path")));
            case "text" -> new DataSpec.Text(Path.of(text(json, "path")), integer(json, "context"), text(json, "include"));
            default -> throw new IllegalArgumentException("unknown data source '" + text(json, "source") + "'");
        };
        var p = json.get("preprocessing");
        Preprocessing preprocessing = p == null || p.isNull() ? Preprocessing.DEFAULT
                : new Preprocessing(p.path("scale").isNull() ? null : number(p, "scale"), numbers(required(p, "mean")),
                        numbers(required(p, "std")));
        return new DataSpec(source, integer(json, "trainLimit"), integer(json, "testLimit"), json.path("validation").asInt(0),
                preprocessing, json.path("testFraction").asDouble(0), json.path("classes").asInt(0),
                json.path("standardize").asBoolean(false));
    }

    private static String optionalText(JsonNode json, String field) {
        var value = json.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static Path optionalPath(JsonNode json, String field) {
        String value = optionalText(json, field);
        return value == null ? null : Path.of(value);
    }

    private static ObjectNode saliency(SaliencySpec s) {
        var json = JSON.createObjectNode().put("id", s.id());
        json.set("options", options(s.options()));
        return json.put("calibration", s.calibration());
    }

    private static SaliencySpec saliency(JsonNode json) {
        return new SaliencySpec(text(json, "id"), options(json.get("options")), integer(json, "calibration"));
    }

    private static ObjectNode granularity(Granularity g) {
        var json = JSON.createObjectNode();
        if (g instanceof Granularity.Unstructured u) {
            return json.put("kind", "unstructured").put("perOutput", u.perOutput());
        }
        if (g instanceof Granularity.SemiStructured nm) {
            return json.put("kind", "nm").put("n", nm.n()).put("m", nm.m());
        }
        var structured = (Granularity.Structured) g;
        return json.put("kind", "structured").put("reduction", structured.reduction().name()).put("roundTo", structured.roundTo());
    }

    private static Granularity granularity(JsonNode json) {
        return switch (text(json, "kind")) {
            case "unstructured" -> new Granularity.Unstructured(bool(json, "perOutput"));
            case "nm" -> new Granularity.SemiStructured(integer(json, "n"), integer(json, "m"));
            case "structured" -> new Granularity.Structured(GroupReduction.valueOf(text(json, "reduction")), json.path("roundTo").asInt(1));
            default -> throw new IllegalArgumentException("unknown granularity '" + text(json, "kind") + "'");
        };
    }

    private static ObjectNode scope(Scope scope) {
        var json = JSON.createObjectNode().put("kind", scope.id());
        json.set("excluded", refs(List.copyOf(new TreeSet<>(scope.excluded()))));
        if (scope instanceof Scope.PerLayer perLayer) {
            var targets = json.putObject("targets");
            new TreeMap<>(perLayer.targets()).forEach((ref, t) -> targets.put(ref.toString(), t));
        }
        return json;
    }

    private static Scope scope(JsonNode json) {
        Set<ParamRef> excluded = Set.copyOf(refs(required(json, "excluded")));
        if (json.has("targets")) {
            var targets = new LinkedHashMap<ParamRef, Double>();
            json.get("targets").fields().forEachRemaining(e -> targets.put(ParamRef.parse(e.getKey()), e.getValue().asDouble()));
            return new Scope.PerLayer(targets, excluded);
        }
        return switch (text(json, "kind")) {
            case "layer-wise" -> new Scope.LayerWise(excluded);
            case "global" -> new Scope.Global(excluded);
            default -> throw new IllegalArgumentException("unknown scope '" + text(json, "kind") + "'");
        };
    }

    private static ArrayNode refs(List<ParamRef> refs) {
        var json = JSON.createArrayNode();
        refs.forEach(ref -> json.add(ref.toString()));
        return json;
    }

    private static List<ParamRef> refs(JsonNode json) {
        return list(json).stream().map(r -> ParamRef.parse(r.asText())).toList();
    }

    private static ObjectNode options(Options options) {
        var json = JSON.createObjectNode();
        new TreeMap<>(options.values()).forEach((key, value) -> json.set(key, JSON.valueToTree(plain(value))));
        return json;
    }

    @SuppressWarnings("unchecked")
    private static Options options(JsonNode json) {
        return json == null || json.isNull() ? Options.NONE
                : new Options(new LinkedHashMap<String, Object>(JSON.convertValue(json, LinkedHashMap.class)));
    }

    /**
     * Groovy's decimals are BigDecimals; JSON carries numbers, strings, booleans, lists and maps. Nested maps are
     * sorted by key and nested values made plain too, so a declaration has one form, whatever map it was built in.
     */
    private static Object plain(Object value) {
        if (value instanceof BigDecimal d) {
            return d.doubleValue();
        }
        if (value instanceof BigInteger i) {
            return i.longValueExact();
        }
        if (value instanceof Map<?, ?> map) {
            var sorted = new TreeMap<String, Object>();
            map.forEach((key, inner) -> sorted.put(String.valueOf(key), plain(inner)));
            return sorted;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(SpecJson::plain).toList();
        }
        if (value instanceof Number || value instanceof Boolean || value instanceof String || value == null) {
            return value;
        }
        return value.toString();
    }

    private static JsonNode required(JsonNode json, String field) {
        var value = json.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("'" + field + "' is missing");
        }
        return value;
    }

    private static String text(JsonNode json, String field) {
        var value = required(json, field);
        if (!value.isTextual()) {
            throw new IllegalArgumentException("'" + field + "' is not a string");
        }
        return value.asText();
    }

    private static int integer(JsonNode json, String field) {
        var value = required(json, field);
        if (!value.canConvertToInt() || !value.isIntegralNumber()) {
            throw new IllegalArgumentException("'" + field + "' is not an integer");
        }
        return value.asInt();
    }

    private static double number(JsonNode json, String field) {
        var value = required(json, field);
        if (!value.isNumber()) {
            throw new IllegalArgumentException("'" + field + "' is not a number");
        }
        return value.asDouble();
    }

    private static boolean bool(JsonNode json, String field) {
        var value = required(json, field);
        if (!value.isBoolean()) {
            throw new IllegalArgumentException("'" + field + "' is not true or false");
        }
        return value.asBoolean();
    }

    private static List<Double> numbers(JsonNode json) {
        return list(json).stream().map(JsonNode::asDouble).toList();
    }

    private static List<JsonNode> list(JsonNode json) {
        if (!json.isArray()) {
            throw new IllegalArgumentException("a list was expected, not " + json);
        }
        var items = new ArrayList<JsonNode>();
        json.forEach(items::add);
        return items;
    }
}
