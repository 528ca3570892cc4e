package dev.secateur.dsl;

import dev.secateur.errors.BadInputException;
import dev.secateur.errors.ClosestMatch;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.Preprocessing;
import dev.secateur.spec.SensitivitySpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Scope;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The values a script passes to the builders: data sources, granularities and scopes. Scripts import
 * them statically, so {@code data fashionMnist()} and {@code granularity filters()} read as written.
 */
public final class Dsl {

    private Dsl() {
    }

    /** Fashion-MNIST: the installed Debian package if present, the embedded subset otherwise. */
    public static DataSpec fashionMnist() {
        return DataSpec.of(new DataSpec.Auto());
    }

    /**
     * Fashion-MNIST with options: {@code source: 'auto' | 'embedded' | 'installed'}, or {@code dir: '/path'};
     * {@code train: n} and {@code test: n} keep seeded random subsets of that size; {@code validation: n} holds
     * out n training images (the same for every seed) and evaluates on them instead of the test split;
     * {@code scale: s, mean: [m], std: [d]} prepare the inputs as (x·s − m) / d, one mean and std per channel
     * (default: x/255).
     */
    public static DataSpec fashionMnist(Map<String, ?> options) {
        return data("fashionMnist", DataSpec.Family.FASHION_MNIST, options, true);
    }

    /**
     * MNIST, or any IDX files, from a directory: {@code mnist(dir: '/path', train: n, test: n)}, and the same
     * options. The images may have any size (and {@code [N, C, H, W]} IDX files any channels), the labels any count.
     */
    public static DataSpec mnist(Map<String, ?> options) {
        return data("mnist", DataSpec.Family.MNIST, options, false);
    }

    public static DataSpec mnist(String dir) {
        return DataSpec.of(new DataSpec.Directory(Path.of(dir), DataSpec.Family.MNIST));
    }

    public static DataSpec mnist(Map<String, ?> options, String dir) {
        var withDir = new LinkedHashMap<String, Object>(options);
        withDir.put("dir", dir);
        return mnist(withDir);
    }

    private static DataSpec data(String what, DataSpec.Family family, Map<String, ?> options, boolean sourceAllowed) {
        var values = options(what, options, sourceAllowed ? Set.of("source", "dir") : Set.of("dir"));
        DataSpec.Source source;
        if (values.containsKey("dir")) {
            source = new DataSpec.Directory(Path.of(values.get("dir").toString()), family);
        } else if (!sourceAllowed) {
            throw new BadInputException(what + " needs dir: '<directory of IDX files>'");
        } else {
            String choice = String.valueOf(values.getOrDefault("source", "auto"));
            source = switch (choice) {
                case "auto" -> new DataSpec.Auto();
                case "embedded" -> new DataSpec.Embedded();
                case "installed" -> new DataSpec.Directory(DataSpec.INSTALLED_FASHION_MNIST, family);
                default -> throw new BadInputException(what + " source: '" + choice + "' must be 'auto', 'embedded' or 'installed'"
                        + ClosestMatch.suggestion(choice, List.of("auto", "embedded", "installed")));
            };
        }
        // IDX pixels keep the scale they always had, 1/255, written out so that earlier runs keep their keys
        values.putIfAbsent("scale", Preprocessing.DEFAULT_SCALE);
        return common(what, source, values);
    }

    /** The options every source takes: subsets, the test and validation splits, classes and preprocessing. */
    private static final Set<String> COMMON = Set.of("train", "test", "validation", "testFraction", "classes", "standardize",
            "scale", "mean", "std");

    /**
     * NumPy arrays: {@code npy(x: 'x.npy', y: 'y.npy', testX: 'tx.npy', testY: 'ty.npy')}. Inputs {@code [N, F]},
     * {@code [N, H, W]} or {@code [N, C, H, W]} ({@code layout: 'nhwc'} for {@code [N, H, W, C]}) as uint8, floats or
     * integers; labels {@code [N]} class indices. Without test arrays, {@code testFraction: 0.2} holds a test split out.
     */
    public static DataSpec npy(Map<String, ?> options) {
        var values = options("npy", options, Set.of("x", "y", "testX", "testY", "layout"));
        var source = NamedArgs.checked("npy", () -> new DataSpec.Npy(path(values, "npy", "x", true), path(values, "npy", "y", true),
                path(values, "npy", "testX", false), path(values, "npy", "testY", false), layout(values)));
        return common("npy", source, values);
    }

    /**
     * Named arrays in an {@code .npz} archive: {@code npz('data.npz')} reads {@code x_train}, {@code y_train},
     * {@code x_test} and {@code y_test} (Keras' names); {@code x:}, {@code y:}, {@code testX:}, {@code testY:} name others.
     * With {@code testFraction}, no test arrays are read unless named.
     */
    public static DataSpec npz(Map<String, ?> options, String file) {
        var values = options("npz", options, Set.of("x", "y", "testX", "testY", "layout"));
        boolean heldOut = values.containsKey("testFraction") && !values.containsKey("testX");
        var source = NamedArgs.checked("npz", () -> new DataSpec.Npz(Path.of(file), text(values, "x", "x_train"),
                text(values, "y", "y_train"), heldOut ? null : text(values, "testX", "x_test"),
                heldOut ? null : text(values, "testY", "y_test"), layout(values)));
        return common("npz", source, values);
    }

    public static DataSpec npz(String file) {
        return npz(Map.of(), file);
    }

    /**
     * A CSV table: {@code csv('table.csv', label: 'target')}. A header row; every other column a number. Labels are
     * class indices, or class names numbered in the order they appear. {@code test: 'test.csv'}, or
     * {@code testFraction: 0.2}; {@code standardize: true} for the training split's mean and std per column.
     */
    public static DataSpec csv(Map<String, ?> options, String file) {
        var values = options("csv", options, Set.of("label", "test"));
        if (!values.containsKey("label")) {
            throw new BadInputException("csv('" + file + "') needs the label column's name, such as csv('" + file
                    + "', label: 'target')");
        }
        Path test = values.get("test") instanceof CharSequence name ? Path.of(name.toString()) : null;
        var source = NamedArgs.checked("csv", () -> new DataSpec.Csv(Path.of(file), values.get("label").toString(), test));
        return common("csv", source, values);
    }

    public static DataSpec csv(String file) {
        return csv(Map.of(), file);
    }

    /**
     * Images in folders by class: {@code images('dir')} reads {@code dir/train/<class>/*} and {@code dir/test/<class>/*}
     * (PNG, JPEG, BMP, GIF), or {@code dir/<class>/*} with {@code testFraction}. {@code size: [H, W]} resizes,
     * {@code channels: 1|3} converts. Classes are ordered by name.
     */
    public static DataSpec images(Map<String, ?> options, String dir) {
        var values = options("images", options, Set.of("size", "channels"));
        int height = 0;
        int width = 0;
        if (values.containsKey("size")) {
            var size = NamedArgs.numbers("images", "size", values.get("size"));
            if (size.size() != 2 && size.size() != 1) {
                throw new BadInputException("images size: " + values.get("size") + " must be [H, W], such as size: [32, 32]");
            }
            height = size.get(0).intValue();
            width = size.get(size.size() - 1).intValue();
        }
        int channels = values.containsKey("channels") ? NamedArgs.integer("images", "channels", values.get("channels")) : 0;
        int h = height;
        int w = width;
        var source = NamedArgs.checked("images", () -> new DataSpec.ImageFolder(Path.of(dir), h, w, channels));
        return common("images", source, values);
    }

    public static DataSpec images(String dir) {
        return images(Map.of(), dir);
    }

    /**
     * UTF-8 text as bytes, for a language model: {@code text('corpus.txt', context: 128)}, or a directory with
     * {@code include: '*.rst'} (every file by default). Sequences of {@code context} bytes (128 by default); a tenth of
     * the text, in blocks, is the test split unless {@code testFraction} says otherwise. {@code validation: N} holds N
     * training sequences out, in blocks; {@code train:} and {@code test:} limit the sequences.
     */
    public static DataSpec text(Map<String, ?> options, String path) {
        var values = options("text", options, Set.of("context", "include"));
        int context = values.containsKey("context") ? NamedArgs.integer("text", "context", values.get("context")) : 128;
        String include = text(values, "include", "*");
        var source = NamedArgs.checked("text", () -> new DataSpec.Text(Path.of(path), context, include));
        return common("text", source, values);
    }

    public static DataSpec text(String path) {
        return text(Map.of(), path);
    }

    /** CIFAR-10's binary version: {@code cifar10('cifar-10-batches-bin')}, with the options every source takes. */
    public static DataSpec cifar10(Map<String, ?> options, String dir) {
        var values = options("cifar10", options, Set.of());
        return common("cifar10", new DataSpec.Cifar10(Path.of(dir)), values);
    }

    public static DataSpec cifar10(String dir) {
        return cifar10(Map.of(), dir);
    }

    private static Map<String, Object> options(String what, Map<String, ?> options, Set<String> own) {
        var allowed = new HashSet<>(COMMON);
        allowed.addAll(own);
        var values = new LinkedHashMap<String, Object>();
        NamedArgs.apply(what, options, allowed, values::put, null);
        return values;
    }

    private static DataSpec common(String what, DataSpec.Source source, Map<String, Object> values) {
        int train = values.containsKey("train") ? NamedArgs.integer(what, "train", values.get("train")) : 0;
        // csv's test: may name a file; otherwise a number, the limit, as for every source
        boolean testFile = source instanceof DataSpec.Csv && values.get("test") instanceof CharSequence;
        int test = values.containsKey("test") && !testFile ? NamedArgs.integer(what, "test", values.get("test")) : 0;
        int validation = values.containsKey("validation") ? NamedArgs.integer(what, "validation", values.get("validation")) : 0;
        double testFraction = values.containsKey("testFraction")
                ? NamedArgs.number(what, "testFraction", values.get("testFraction")) : 0;
        int classes = values.containsKey("classes") ? NamedArgs.integer(what, "classes", values.get("classes")) : 0;
        Object standardize = values.getOrDefault("standardize", false);
        if (!(standardize instanceof Boolean)) {
            throw new BadInputException(what + " standardize: '" + standardize + "' must be true or false");
        }
        Double scale = values.containsKey("scale") ? NamedArgs.number(what, "scale", values.get("scale")) : null;
        List<Double> mean = values.containsKey("mean") ? NamedArgs.numbers(what, "mean", values.get("mean")) : List.of();
        List<Double> std = values.containsKey("std") ? NamedArgs.numbers(what, "std", values.get("std")) : List.of();
        return NamedArgs.checked(what, () -> new DataSpec(source, train, test, validation, new Preprocessing(scale, mean, std),
                testFraction, classes, (Boolean) standardize));
    }

    private static Path path(Map<String, Object> values, String what, String name, boolean required) {
        Object value = values.get(name);
        if (value == null) {
            if (required) {
                throw new BadInputException(what + " needs " + name + ": '<file.npy>'");
            }
            return null;
        }
        return Path.of(value.toString());
    }

    private static String text(Map<String, Object> values, String name, String otherwise) {
        Object value = values.get(name);
        return value == null ? otherwise : value.toString();
    }

    private static DataSpec.Layout layout(Map<String, Object> values) {
        return DataSpec.Layout.of(String.valueOf(values.getOrDefault("layout", "nchw")));
    }

    /** Individual weights. */
    public static Granularity unstructured() {
        return Granularity.unstructured();
    }

    /**
     * Individual weights with {@code perOutput: true}: every output row loses the same fraction, and
     * weights compete only within their row (Wanda's comparison group).
     */
    public static Granularity unstructured(Map<String, ?> options) {
        var values = new LinkedHashMap<String, Object>();
        NamedArgs.apply("unstructured", options, Set.of("perOutput"), values::put, null);
        Object perOutput = values.getOrDefault("perOutput", false);
        if (!(perOutput instanceof Boolean b)) {
            throw new BadInputException("unstructured perOutput: '" + perOutput + "' must be true or false");
        }
        return new Granularity.Unstructured(b);
    }

    /** N:M semi-structured sparsity, such as {@code nm(2, 4)}: N weights kept in every M along the input dimension. */
    public static Granularity nm(int n, int m) {
        return NamedArgs.checked("nm(" + n + ", " + m + ")", () -> Granularity.nm(n, m));
    }

    /** Whole filters of convolutions and neurons of dense layers, scored by the L1 norm of their scores. */
    public static Granularity filters() {
        return Granularity.structured(GroupReduction.L1);
    }

    /** Whole output units, with {@code norm: 'l1' | 'l2' | 'mean' | 'max'} reducing their scores. */
    public static Granularity filters(Map<String, ?> options) {
        return structured("filters", options);
    }

    /** The same as {@link #filters()}: for a dense layer, an output unit is a neuron. */
    public static Granularity neurons() {
        return filters();
    }

    public static Granularity neurons(Map<String, ?> options) {
        return structured("neurons", options);
    }

    /**
     * {@code filters(norm: 'l2', round_to: 8)}: {@code round_to} (or {@code roundTo}) keeps every layer's unit
     * count a multiple of 8, as Torch-Pruning's option does, for kernels that prefer aligned channel counts.
     */
    private static Granularity structured(String what, Map<String, ?> options) {
        var values = new LinkedHashMap<String, Object>();
        NamedArgs.apply(what, options, Set.of("norm", "round_to", "roundTo"), values::put, null);
        String norm = String.valueOf(values.getOrDefault("norm", "l1")).toUpperCase(Locale.ROOT);
        GroupReduction reduction;
        try {
            reduction = GroupReduction.valueOf(norm);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(what + " norm: '" + values.get("norm") + "' must be 'l1', 'l2', 'mean' or 'max'"
                    + ClosestMatch.suggestion(norm, List.of("l1", "l2", "mean", "max")));
        }
        String roundOption = values.containsKey("round_to") ? "round_to" : "roundTo";
        int roundTo = values.containsKey(roundOption) ? NamedArgs.integer(what, roundOption, values.get(roundOption)) : 1;
        return NamedArgs.checked(what, () -> new Granularity.Structured(reduction, roundTo));
    }

    /** One threshold over all parameters in scope. */
    public static Scope global() {
        return new Scope.Global(Set.of());
    }

    /** Every parameter reaches the target on its own. */
    public static Scope layerwise() {
        return new Scope.LayerWise(Set.of());
    }

    /** Each named parameter gets its own final target: {@code perLayer('0_W': 0.92, '1_W': 0.91)}. */
    public static Scope perLayer(Map<String, ?> targets) {
        var parsed = new LinkedHashMap<ParamRef, Double>();
        targets.forEach((ref, target) -> parsed.put(param(ref), NamedArgs.number("perLayer", ref, target)));
        return NamedArgs.checked("perLayer", () -> new Scope.PerLayer(parsed, Set.of()));
    }

    /**
     * Per-layer ratios chosen by the sensitivity analysis under a budget:
     * {@code scope fromSensitivity(budget: flops(0.35))}. The analysis runs after the baseline, with the
     * experiment's {@code sensitivity { }} settings or their defaults.
     */
    public static FromSensitivity fromSensitivity(Map<String, ?> options) {
        var budget = new SensitivitySpec.Budget[1];
        NamedArgs.apply("fromSensitivity", options, Set.of("budget"), (option, value) -> {
            if (!(value instanceof SensitivitySpec.Budget b)) {
                throw new BadInputException("fromSensitivity budget: " + value + " is not a budget; write flops(0.35), params(0.5) or latency(0.3)");
            }
            budget[0] = b;
        }, null);
        if (budget[0] == null) {
            throw new BadInputException("fromSensitivity needs a budget, such as fromSensitivity(budget: flops(0.35))");
        }
        return new FromSensitivity(budget[0]);
    }

    /** A budget that cuts a fraction of the dense network's FLOPs: {@code flops(0.35)}. */
    public static SensitivitySpec.Budget flops(double cut) {
        return NamedArgs.checked("flops", () -> new SensitivitySpec.Budget(SensitivitySpec.Measure.FLOPS, cut));
    }

    /** A budget that cuts a fraction of the dense network's parameters: {@code params(0.5)}. */
    public static SensitivitySpec.Budget params(double cut) {
        return NamedArgs.checked("params", () -> new SensitivitySpec.Budget(SensitivitySpec.Measure.PARAMS, cut));
    }

    /**
     * A budget that cuts a fraction of the forward time at batch 256: {@code latency(0.3)}. The analysis then
     * also times every group removed alone (side by side with the unpruned network), and the solver adds
     * those savings up, as NetAdapt's per-layer latency tables do.
     */
    public static SensitivitySpec.Budget latency(double cut) {
        return NamedArgs.checked("latency", () -> new SensitivitySpec.Budget(SensitivitySpec.Measure.LATENCY, cut));
    }

    /** The scope {@code fromSensitivity(...)} declares: its ratios exist only once the analysis has run. */
    public record FromSensitivity(SensitivitySpec.Budget budget) {
    }

    static ParamRef param(String ref) {
        try {
            return ParamRef.parse(ref);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
    }
}
