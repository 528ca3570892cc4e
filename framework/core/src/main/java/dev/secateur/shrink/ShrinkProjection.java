package dev.secateur.shrink;

import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.UnitGroup;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What physical removal would leave, worked out from the layer shapes alone: the parameters and FLOPs of
 * the network when each unit group keeps a given number of units. FLOPs are counted as the evaluator's
 * census counts them (2 per multiply-accumulate of dense, convolution and depthwise layers and of attention's
 * products, plus bias adds), so a
 * projection can be checked against the census of the network the shrinker really builds.
 */
public final class ShrinkProjection {

    /** Params and FLOPs per example. */
    public record Totals(long params, long flops) {
        /** The fraction of {@code dense}'s FLOPs these save. */
        public double flopsCut(Totals dense) {
            return 1 - (double) flops / dense.flops;
        }

        public double paramsCut(Totals dense) {
            return 1 - (double) params / dense.params;
        }
    }

    /**
     * One prunable layer: its kernel size, output positions, and the groups its units and inputs belong to, with the
     * output channels per unit (an attention head's width, or 1).
     */
    private record Layer(long kernel, long positions, long inputs, long outputs, boolean bias, int outputGroup,
                         int inputGroup, int rowsPerUnit, int unitWidth) {
    }

    private final List<UnitGroup> groups;
    private final List<Layer> layers = new ArrayList<>();
    private final long[] perUnitCoupledParams;
    /** A depthwise convolution's FLOPs per channel of the group whose channels it filters. */
    private final long[] perUnitCoupledFlops;
    private final long fixedParams;
    /** FLOPs no group's units change: depthwise convolutions on channels that are kept whole, and a language model's head. */
    private final long fixedFlops;

    private ShrinkProjection(Network net, INDArray example) {
        this.groups = NetworkLayout.groups(net);
        var index = new HashMap<ParamRef, Integer>();
        for (int g = 0; g < groups.size(); g++) {
            for (var producer : groups.get(g).producers()) {
                index.put(producer.weights(), g);
            }
        }
        var inputGroup = new HashMap<ParamRef, Integer>();
        var rows = new HashMap<ParamRef, Integer>();
        for (int g = 0; g < groups.size(); g++) {
            for (var consumer : groups.get(g).consumers()) {
                inputGroup.put(consumer.param().weights(), g);
                rows.put(consumer.param().weights(), consumer.rowsPerUnit());
            }
        }
        var outputs = net.layerOutputs(example);
        long prunableParams = 0;
        for (var param : NetworkLayout.params(groups)) {
            long[] shape = param.shape();
            boolean conv = param.kind() == LayerKind.CONVOLUTION;
            long[] out = outputs.get(param.weights().layer()).shape();
            layers.add(new Layer(conv ? shape[2] * shape[3] : 1, param.positions(out, example.size(0)), conv ? shape[1] : shape[0],
                    param.channels(), param.hasBias(), index.get(param.weights()),
                    inputGroup.getOrDefault(param.weights(), -1), rows.getOrDefault(param.weights(), 1), param.unitWidth()));
            prunableParams += param.size() + (param.hasBias() ? param.channels() : 0);
        }
        perUnitCoupledParams = new long[groups.size()];
        perUnitCoupledFlops = new long[groups.size()];
        long coupled = 0;
        long coupledFlops = 0;
        for (int g = 0; g < groups.size(); g++) {
            var layersSeen = new HashSet<Integer>();
            for (var ref : groups.get(g).coupled()) {
                if (layersSeen.add(ref.layer())) {
                    long n = net.layer(ref.layer()).numParams();
                    perUnitCoupledParams[g] += n / groups.get(g).units();
                    coupled += n;
                    long f = NetworkLayout.depthwiseFlops(net.layer(ref.layer()), outputs.get(ref.layer()).shape());
                    perUnitCoupledFlops[g] += f / groups.get(g).units();
                    coupledFlops += f;
                }
            }
        }
        // attention's own products scale with the heads its query layer keeps; fixed if its query is not a layer
        long fixedAttention = 0;
        for (var entry : NetworkLayout.attentionFlops(net).entrySet()) {
            Integer g = entry.getKey() < 0 ? null : index.get(ParamRef.weights(entry.getKey()));
            if (g == null) {
                fixedAttention += entry.getValue();
            } else {
                perUnitCoupledFlops[g] += entry.getValue() / groups.get(g).units();
            }
        }
        fixedParams = net.numParams() - prunableParams - coupled;
        long depthwise = 0;
        for (int i = 0; i < net.layerCount(); i++) {
            depthwise += NetworkLayout.unprunedFlops(net.layer(i), outputs.get(i).shape(), example.size(0));
        }
        fixedFlops = depthwise - coupledFlops + fixedAttention;
    }

    /** The projection for a network; {@code example} is one input row, for the convolutions' output sizes. */
    public static ShrinkProjection of(MultiLayerNetwork net, INDArray example) {
        return of(Network.of(net), example);
    }

    public static ShrinkProjection of(Network net, INDArray example) {
        return new ShrinkProjection(net, example);
    }

    public List<UnitGroup> groups() {
        return groups;
    }

    public Totals dense() {
        return project(Map.of());
    }

    /**
     * The totals when each named group keeps the given number of units; groups not named keep all.
     *
     * @param kept group id to units kept
     */
    public Totals project(Map<String, Long> kept) {
        long[] units = new long[groups.size()];
        for (int g = 0; g < groups.size(); g++) {
            units[g] = kept.getOrDefault(groups.get(g).id(), groups.get(g).units());
        }
        long params = fixedParams;
        long flops = fixedFlops;
        for (var layer : layers) {
            long out = layer.outputGroup < 0 ? layer.outputs : units[layer.outputGroup] * layer.unitWidth;
            long in = layer.inputGroup < 0 ? layer.inputs : units[layer.inputGroup] * layer.rowsPerUnit;
            long weights = in * out * layer.kernel;
            params += weights + (layer.bias ? out : 0);
            flops += 2 * weights * layer.positions + (layer.bias ? out * layer.positions : 0);
        }
        for (int g = 0; g < groups.size(); g++) {
            params += perUnitCoupledParams[g] * units[g];
            flops += perUnitCoupledFlops[g] * units[g];
        }
        return new Totals(params, flops);
    }

    /** The units a group keeps when a fraction {@code ratio} of them is removed, as the pruner rounds it. */
    public static long keptAt(UnitGroup group, double ratio) {
        return keptAt(group.units(), ratio);
    }

    public static long keptAt(long units, double ratio) {
        return units - Math.round(ratio * units);
    }

    /** The units kept at {@code ratio}, with a structured granularity's {@code round_to} applied as the pruner applies it. */
    public static long keptAt(long units, double ratio, Granularity granularity) {
        return keptAt(units, ratio, granularity, 1);
    }

    /** The same for units of {@code unitWidth} channels each (attention heads), whose kept channels are rounded. */
    public static long keptAt(long units, double ratio, Granularity granularity, int unitWidth) {
        long kept = keptAt(units, ratio);
        return granularity instanceof Granularity.Structured structured ? units - structured.rounded(units, units - kept, unitWidth) : kept;
    }
}
