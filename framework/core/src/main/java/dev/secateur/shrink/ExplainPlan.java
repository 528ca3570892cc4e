package dev.secateur.shrink;

import dev.secateur.data.InputShape;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.UnitGroup;
import dev.secateur.shrink.ShrinkProjection;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Scope;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What an experiment would remove, said before anything changes: the unit groups of the model (units
 * removed together, with the batch-norm channels and the next layers' inputs that go with them), what is
 * kept whole and why, and the params and FLOPs projected after physical removal at the experiment's
 * targets. Reads the model's structure only, so an untrained network gives the same plan.
 */
public final class ExplainPlan {

    private ExplainPlan() {
    }

    /**
     * @param net     the experiment's network (its weights do not matter)
     * @param example one input row, for the convolutions' output sizes
     */
    public static String explain(ExperimentSpec spec, MultiLayerNetwork net, INDArray example) {
        return explain(spec, Network.of(net), example);
    }

    public static String explain(ExperimentSpec spec, Network net, INDArray example) {
        var projection = ShrinkProjection.of(net, example);
        var dense = projection.dense();
        var out = new StringBuilder();
        String origin = spec.model() instanceof ModelSpec.Train train ? "built-in " + train.architecture()
                : "model " + ((ModelSpec.Load) spec.model()).file();
        line(out, "plan: experiment '%s' on %s: %,d params, %,d FLOPs per example of %s", spec.name(), origin, dense.params(),
                dense.flops(), spec.data() != null && spec.data().source() instanceof DataSpec.Text text
                        ? InputShape.tokens(text.context(), 256).describe() : InputShape.of(net.inputShape()).describe());
        if (spec.prunes()) {
            line(out, "  %s, scored by '%s', scope %s, schedule '%s'", describe(spec.granularity()), spec.saliency().id(),
                    spec.scopeFromSensitivity() ? "fromSensitivity(budget: " + spec.sensitivity().budget() + ")" : spec.scope().id(),
                    spec.schedule().id());
            line(out, "  after each step: %s%s", spec.recovery().describe(),
                    spec.control() ? "; a dense control retrains on the same examples (control true)" : "");
        } else {
            line(out, "  prunes nothing: %s", spec.compare() == null ? "a dense baseline, trained and evaluated"
                    : "a criteria comparison, which ranks units and removes none");
        }
        var ratios = ratios(spec, projection);
        line(out, "  unit groups (the units of a group are removed together, with what is listed after them):");
        for (var group : projection.groups()) {
            if (!group.removable()) {
                continue;
            }
            String target = ratios.containsKey(group.id())
                    ? String.format(Locale.ROOT, "remove %.0f%%: keep %d of %d%s", 100 * ratios.get(group.id()),
                    kept(spec, group, ratios.get(group.id())), group.units(),
                    roundTo(spec) > 1 ? " (kept count rounded up to a multiple of " + roundTo(spec) + ")" : "")
                    : spec.prunes() && spec.granularity() instanceof Granularity.Structured && !spec.scopeFromSensitivity() ? "not in scope" : "";
            line(out, "    %-6s %s%s", group.id(), members(net, group), target.isEmpty() ? "" : "  -> " + target);
        }
        line(out, "  kept whole:");
        var coupled = new HashSet<Integer>();
        projection.groups().forEach(g -> g.coupled().forEach(ref -> coupled.add(ref.layer())));
        for (var group : projection.groups()) {
            if (!group.removable()) {
                var param = group.producers().get(0);
                line(out, "    %-6s layer %d %s: %s", group.id(), param.weights().layer(), layerType(net, param.weights().layer()),
                        group.keptWhole());
            }
        }
        var prunableLayers = new HashSet<Integer>();
        NetworkLayout.prunable(net).forEach(p -> prunableLayers.add(p.weights().layer()));
        for (int i = 0; i < net.layerCount(); i++) {
            if (net.layer(i).numParams() > 0 && !prunableLayers.contains(i) && !coupled.contains(i)) {
                line(out, "    layer %d %s: Secateur cannot prune this layer type (it prunes DenseLayer, ConvolutionLayer and "
                        + "OutputLayer); its %,d parameters are kept as they are", i, layerType(net, i), net.layer(i).numParams());
            }
        }
        if (!spec.prunes()) {
            line(out, "  projected: params and FLOPs stay at %,d and %,d", dense.params(), dense.flops());
        } else if (!(spec.granularity() instanceof Granularity.Structured)) {
            line(out, "  projected: %s removes no unit, so params and FLOPs stay at %,d and %,d; the masks only zero weights "
                    + "(effective FLOPs fall, dense kernels do not get faster)", spec.granularity().id(), dense.params(), dense.flops());
        } else if (spec.scopeFromSensitivity()) {
            line(out, "  projected: the sensitivity analysis chooses the ratios after the baseline, to cut %s; "
                    + "the run prints and writes them (sensitivity-ratios.csv)", spec.sensitivity().budget());
        } else {
            var kept = new LinkedHashMap<String, Long>();
            projection.groups().stream().filter(g -> ratios.containsKey(g.id()))
                    .forEach(g -> kept.put(g.id(), kept(spec, g, ratios.get(g.id()))));
            var after = projection.project(kept);
            line(out, "  projected %s: params %,d -> %,d (-%.1f%%), FLOPs %,d -> %,d (-%.1f%%)%s",
                    spec.shrink() ? "after removal" : "if removed (shrink false keeps the pruned units as zeros, so the shapes stay)",
                    dense.params(),
                    after.params(), 100 * after.paramsCut(dense), dense.flops(), after.flops(), 100 * after.flopsCut(dense),
                    spec.scope() instanceof Scope.Global ? "; under a global scope the scores decide how the cut is shared, "
                            + "so this assumes every layer at the target" : "");
        }
        return out.toString();
    }

    /** Units a group keeps at {@code ratio}, with the granularity's {@code round_to} applied as the pruner applies it. */
    private static long kept(ExperimentSpec spec, UnitGroup group, double ratio) {
        return ShrinkProjection.keptAt(group.units(), ratio, spec.granularity(), group.producers().get(0).unitWidth());
    }

    private static int roundTo(ExperimentSpec spec) {
        return spec.granularity() instanceof Granularity.Structured structured ? structured.roundTo() : 1;
    }

    /** The final ratio of each removable group in scope, when it is known before scoring. */
    private static Map<String, Double> ratios(ExperimentSpec spec, ShrinkProjection projection) {
        var ratios = new LinkedHashMap<String, Double>();
        if (!spec.prunes() || !(spec.granularity() instanceof Granularity.Structured) || spec.scopeFromSensitivity()) {
            return ratios;
        }
        Set<ParamRef> excluded = spec.scope().excluded();
        for (var group : projection.groups()) {
            var ref = group.ref();
            if (!group.removable() || excluded.contains(ref)) {
                continue;
            }
            if (spec.scope() instanceof Scope.PerLayer perLayer) {
                if (perLayer.targets().containsKey(ref)) {
                    ratios.put(group.id(), perLayer.targets().get(ref));
                }
            } else {
                ratios.put(group.id(), spec.schedule().target());
            }
        }
        return ratios;
    }

    private static String members(Network net, UnitGroup group) {
        var param = group.producers().get(0);
        boolean heads = param.unitWidth() > 1;
        String unit = heads ? "attention heads of " + param.unitWidth() + " channels"
                : param.kind() == LayerKind.CONVOLUTION ? "filters" : "neurons";
        var text = new StringBuilder(String.format(Locale.ROOT, "layer %d %s, %d %s", param.weights().layer(),
                layerType(net, param.weights().layer()), group.units(), unit));
        if (group.producers().size() > 1) {
            text.append(heads ? "; the same heads' columns of " : "; shared through residual adds with ").append(group.producers().stream().skip(1)
                    .map(p -> "layer " + p.weights().layer() + " " + layerType(net, p.weights().layer()))
                    .collect(Collectors.joining(", ")));
        }
        var bnLayers = new TreeSet<Integer>();
        group.coupled().forEach(ref -> bnLayers.add(ref.layer()));
        for (int layer : bnLayers) {
            text.append("; channels of layer ").append(layer).append(' ').append(layerType(net, layer));
        }
        for (var consumer : group.consumers()) {
            text.append("; inputs of ").append(consumer.param().weights());
            if (consumer.offset() > 0) {
                text.append(" (from channel ").append(consumer.offset()).append(", after a concatenation)");
            }
            if (consumer.rowsPerUnit() > 1) {
                text.append(" (").append(consumer.rowsPerUnit()).append(heads ? " rows per head)" : " rows per unit, through the flatten)");
            }
        }
        return text.toString();
    }

    /** The layer's class, and in a graph whose vertex names are not the layer indices, its vertex name too. */
    private static String layerType(Network net, int layer) {
        String type = net.layer(layer).conf().getLayer().getClass().getSimpleName();
        String name = net.layerName(layer);
        return name.equals(Integer.toString(layer)) ? type : type + " '" + name + "'";
    }

    private static String describe(Granularity granularity) {
        return granularity instanceof Granularity.Structured ? "removes whole filters and neurons (" + granularity.id() + ")"
                : "masks weights (" + granularity.id() + ")";
    }

    private static void line(StringBuilder out, String format, Object... args) {
        out.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
