package dev.secateur.shrink;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.PrunableParam;
import dev.secateur.model.UnitGroup;
import dev.secateur.model.UnitReduction;
import dev.secateur.model.gpt.CausalSelfAttention;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Physical removal: builds a smaller network without the dead units of the original, for sequential
 * networks and graphs alike. A unit (a dense neuron, a conv filter, or an attention head's query, key and value
 * columns, after which the attention keeps one head fewer) is dead when, in every layer of its
 * group (layers joined by a residual add share their units), all its incoming weights and its bias are
 * zero, any batch normalisation after it has zero scale and shift for that channel (gamma = beta = 0, so it
 * outputs 0 whatever its running statistics), and every activation on the way maps 0 to 0: its output is 0
 * for every input. Removing it, its batch-normalisation channel (gamma, beta, mean and variance) and the
 * matching inputs of the layers that read it (for a dense layer after a flatten, the H·W rows of that
 * channel, in DL4J's channel-major order; after a concatenation, at the group's offset) leaves the
 * network's function unchanged. Groups that cannot be removed ({@link NetworkLayout#groups}) keep all
 * their units, and the report says why. Output layers keep all their units.
 */
public final class Shrinker {

    /**
     * The smaller network, the output units kept per parameter, and one line per layer kept whole.
     *
     * @param kept per prunable weight parameter, the indices of the units (channels, or attention heads) that remain
     */
    public record Result(Network net, Map<ParamRef, int[]> kept, List<String> keptWhole, Slicing slicing) {

        /** The masks of the original network cut down to the parameters of the smaller one. */
        public MaskSet slice(MaskSet masks) {
            var sliced = new TreeMap<ParamRef, INDArray>();
            masks.masks().forEach((ref, mask) -> sliced.put(ref, slicing.slice(ref, mask)));
            return MaskSet.of(sliced);
        }
    }

    /**
     * Which entries of each original parameter remain: the kept outputs and inputs of every prunable
     * layer, and the kept channels of every batch normalisation.
     */
    public record Slicing(List<PrunableParam> params, Map<ParamRef, int[]> outputs, Map<ParamRef, int[]> inputs,
                          Map<Integer, int[]> channels) {

        /** The entries of {@code values}, laid out like parameter {@code ref} of the original, that remain. */
        public INDArray slice(ParamRef ref, INDArray values) {
            if (channels.containsKey(ref.layer())) {
                return UnitGroup.isChannelFilters(ref) ? sliceFilters(values, channels.get(ref.layer()))
                        : sliceVector(values, channels.get(ref.layer()));
            }
            var param = params.stream().filter(p -> p.weights().layer() == ref.layer()).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(ref + " is not a parameter the shrinker knows"));
            int[] outputs = this.outputs.get(param.weights());
            return ref.equals(param.weights()) ? sliceWeights(values, param, inputs.get(param.weights()), outputs)
                    : sliceVector(values, outputs);
        }
    }

    public Result shrink(MultiLayerNetwork original) {
        return shrink(Network.of(original));
    }

    public Result shrink(Network original) {
        var groups = NetworkLayout.groups(original);
        var params = NetworkLayout.params(groups);
        var outputs = new LinkedHashMap<ParamRef, int[]>();
        var keptUnits = new LinkedHashMap<ParamRef, int[]>();
        var channels = new LinkedHashMap<Integer, int[]>();
        var notes = new ArrayList<String>();
        var reads = new LinkedHashMap<ParamRef, List<Read>>();
        for (var group : groups) {
            int[] keep;
            if (!group.removable()) {
                if (group.producers().get(0).kind() != LayerKind.OUTPUT) {
                    notes.add(group.id() + " kept whole: " + group.keptWhole());
                }
                keep = IntStream.range(0, (int) group.units()).toArray();
            } else {
                keep = alive(original, group);
                if (keep.length == 0) {
                    throw new BadInputException("every one of the " + group.units() + " units of " + group.id()
                            + " is zero, so removing them would leave the network without a path from input to output;"
                            + " prune that layer less");
                }
            }
            for (var producer : group.producers()) {
                keptUnits.put(producer.weights(), keep);
                outputs.put(producer.weights(), channelsOf(keep, producer.unitWidth()));
            }
            for (var ref : group.coupled()) {
                channels.put(ref.layer(), keep);
            }
            for (var consumer : group.consumers()) {
                reads.computeIfAbsent(consumer.param().weights(), r -> new ArrayList<>()).add(new Read(consumer, keep));
            }
        }
        var inputs = new LinkedHashMap<ParamRef, int[]>();
        for (var param : params) {
            var read = reads.get(param.weights());
            inputs.put(param.weights(), read == null ? IntStream.range(0, (int) param.shape()[inputAxis(param)]).toArray() : rows(read));
        }
        var slicing = new Slicing(params, outputs, inputs, channels);
        var shrunk = original.isGraph() ? rebuild(original.graph(), slicing, reads) : rebuild(original.sequential("shrink"), slicing, reads);
        for (int i = 0; i < shrunk.layerCount(); i++) {
            for (var entry : shrunk.layer(i).paramTable().entrySet()) {
                var ref = new ParamRef(i, entry.getKey());
                var source = original.layer(i).getParam(entry.getKey());
                boolean sliced = channels.containsKey(i) || outputs.containsKey(ParamRef.weights(i));
                entry.getValue().assign(sliced ? slicing.slice(ref, source) : source);
            }
        }
        return new Result(shrunk, keptUnits, notes, slicing);
    }

    /** The output channels of the kept units: a unit of width w (an attention head) owns channels u·w .. (u+1)·w − 1. */
    private static int[] channelsOf(int[] units, int width) {
        return IntStream.range(0, units.length * width).map(c -> units[c / width] * width + c % width).toArray();
    }

    /** What one layer reads of one group: the group's kept units, at the group's place among its inputs. */
    private record Read(UnitGroup.Consumer consumer, int[] keep) {
    }

    /** The input rows of a layer that remain: each group it reads contributes its kept units' rows, in channel order. */
    private static int[] rows(List<Read> reads) {
        var sorted = new ArrayList<>(reads);
        sorted.sort(Comparator.comparingInt(r -> r.consumer().offset()));
        var rows = new ArrayList<Integer>();
        for (var read : sorted) {
            int block = read.consumer().rowsPerUnit();
            for (int unit : read.keep()) {
                int channel = read.consumer().offset() + unit;
                for (int j = 0; j < block; j++) {
                    rows.add(channel * block + j);
                }
            }
        }
        return rows.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int inputAxis(PrunableParam param) {
        return param.kind() == LayerKind.CONVOLUTION ? 1 : 0;
    }

    /** A copy of a sequential network's configuration with the new sizes. */
    private static Network rebuild(MultiLayerNetwork original, Slicing slicing, Map<ParamRef, List<Read>> reads) {
        var conf = original.getLayerWiseConfigurations().clone();
        resize(slicing, reads, i -> conf.getConf(i).getLayer(), conf::getInputPreProcess);
        var net = new MultiLayerNetwork(conf);
        net.init();
        return Network.of(net);
    }

    /** A copy of a graph's configuration with the new sizes. */
    private static Network rebuild(ComputationGraph original, Slicing slicing, Map<ParamRef, List<Read>> reads) {
        var conf = original.getConfiguration().clone();
        IntFunction<LayerVertex> vertex = i -> (LayerVertex) conf.getVertices()
                .get(original.getLayer(i).conf().getLayer().getLayerName());
        resize(slicing, reads, i -> vertex.apply(i).getLayerConf().getLayer(), i -> vertex.apply(i).getPreProcessor());
        // an attention vertex keeps the heads its query layer keeps, each as wide as before
        for (var entry : conf.getVertices().entrySet()) {
            if (entry.getValue() instanceof CausalSelfAttention attention) {
                var query = (LayerVertex) conf.getVertices().get(conf.getVertexInputs().get(entry.getKey()).get(0));
                entry.setValue(attention.withWidth((int) ((FeedForwardLayer) query.getLayerConf().getLayer()).getNOut()));
            }
        }
        var graph = new ComputationGraph(conf);
        graph.init();
        return Network.of(graph);
    }

    private static void resize(Slicing slicing, Map<ParamRef, List<Read>> reads,
                               IntFunction<Layer> layerConf,
                               IntFunction<InputPreProcessor> preProcessor) {
        slicing.outputs().forEach((ref, keep) -> ((FeedForwardLayer) layerConf.apply(ref.layer())).setNOut(keep.length));
        slicing.channels().forEach((layer, keep) -> {
            var bn = (FeedForwardLayer) layerConf.apply(layer);
            bn.setNIn(keep.length);
            bn.setNOut(keep.length);
        });
        reads.forEach((ref, read) -> {
            int rows = slicing.inputs().get(ref).length;
            ((FeedForwardLayer) layerConf.apply(ref.layer())).setNIn(rows);
            if (preProcessor.apply(ref.layer()) instanceof CnnToFeedForwardPreProcessor flatten) {
                flatten.setNumChannels(rows / read.get(0).consumer().rowsPerUnit());
            }
        });
    }

    /** The kept entries of a per-unit vector (a bias, or a batch normalisation's per-channel values), in its shape. */
    static INDArray sliceVector(INDArray values, int[] keep) {
        float[] all = values.dup('c').reshape(values.length()).toFloatVector();
        float[] kept = new float[keep.length];
        for (int k = 0; k < keep.length; k++) {
            kept[k] = all[keep[k]];
        }
        long[] shape = values.shape().clone();
        shape[shape.length == 1 ? 0 : 1] = keep.length;
        return Nd4j.create(kept, shape, 'c');
    }

    /** The kept channels of a depthwise convolution's filters, [kH, kW, C, 1] in DL4J. */
    static INDArray sliceFilters(INDArray values, int[] keep) {
        long[] shape = values.shape();
        float[] all = values.dup('c').reshape(values.length()).toFloatVector();
        int channels = (int) shape[2];
        int multiplier = (int) shape[3];
        int positions = (int) (shape[0] * shape[1]);
        float[] kept = new float[positions * keep.length * multiplier];
        int t = 0;
        for (int p = 0; p < positions; p++) {
            for (int c : keep) {
                System.arraycopy(all, (p * channels + c) * multiplier, kept, t, multiplier);
                t += multiplier;
            }
        }
        return Nd4j.create(kept, new long[]{shape[0], shape[1], keep.length, multiplier}, 'c');
    }

    /** The units with any nonzero incoming weight or bias in any layer of the group, or a nonzero batch-norm scale or shift. */
    private static int[] alive(Network net, UnitGroup group) {
        double[] mass = new double[(int) group.units()];
        for (var producer : group.producers()) {
            var layer = net.layer(producer.weights().layer());
            double[] l1 = UnitReduction.perUnit(producer, layer.getParam("W"), GroupReduction.L1);
            for (int u = 0; u < mass.length; u++) {
                mass[u] += l1[u];
            }
            if (producer.hasBias()) {
                add(mass, layer.getParam("b"), producer.unitWidth());
            }
        }
        for (var ref : group.coupled()) {
            if (!UnitGroup.isChannelFilters(ref)) { // a depthwise filter reads the unit; it does not make it
                add(mass, net.layer(ref.layer()).getParam(ref.key()), 1);
            }
        }
        return IntStream.range(0, mass.length).filter(u -> mass[u] != 0).toArray();
    }

    /** Adds a per-channel vector's absolute values to the mass of the unit each channel belongs to. */
    private static void add(double[] mass, INDArray perChannel, int unitWidth) {
        double[] values = perChannel.dup('c').reshape(perChannel.length()).toDoubleVector();
        for (int c = 0; c < values.length; c++) {
            mass[c / unitWidth] += Math.abs(values[c]);
        }
    }

    /**
     * The kept rows and columns of a weight tensor; indexing is done on plain arrays (sub-views of DL4J
     * parameter views fail to read).
     */
    static INDArray sliceWeights(INDArray w, PrunableParam param, int[] in, int[] outputs) {
        long[] shape = w.shape();
        float[] source = w.dup('c').reshape(w.length()).toFloatVector();
        int nIn = (int) (param.kind() == LayerKind.CONVOLUTION ? shape[1] : shape[0]);
        if (param.kind() == LayerKind.CONVOLUTION) {
            int kernel = (int) (shape[2] * shape[3]);
            float[] target = new float[outputs.length * in.length * kernel];
            int t = 0;
            for (int o : outputs) {
                for (int i : in) {
                    System.arraycopy(source, (o * nIn + i) * kernel, target, t, kernel);
                    t += kernel;
                }
            }
            return Nd4j.create(target, new long[]{outputs.length, in.length, shape[2], shape[3]}, 'c');
        }
        int nOut = (int) shape[1];
        float[] target = new float[in.length * outputs.length];
        int t = 0;
        for (int i : in) {
            for (int o : outputs) {
                target[t++] = source[i * nOut + o];
            }
        }
        return Nd4j.create(target, new long[]{in.length, outputs.length}, 'c');
    }
}
