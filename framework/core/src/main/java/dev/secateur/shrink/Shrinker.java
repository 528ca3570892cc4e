package dev.secateur.shrink;

import dev.secateur.model.NetworkLayout;
import dev.secateur.model.PrunableParam;
import dev.secateur.prune.Pruner;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import dev.secateur.prune.MaskSet;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Physical removal for sequential networks: builds a smaller {@code MultiLayerNetwork} without the dead
 * units of the original. A unit (a dense neuron or a conv filter) is dead when all its incoming weights
 * and its bias are zero, any batch normalisation after it has zero scale and shift for that channel
 * (gamma = beta = 0, so it outputs 0 whatever its running statistics), and every activation on the way
 * maps 0 to 0: its output is 0 for every input. Removing it, its batch-normalisation channel (gamma, beta,
 * mean and variance) and the next layer's matching inputs (for a dense layer after a flatten, the H·W
 * rows of that channel, in DL4J's channel-major order) leaves the network's function unchanged. Pooling,
 * activation, dropout and batch-normalisation layers pass channels through; any other layer between two
 * prunable layers keeps the first one whole, and the report says so. Output layers keep all their units.
 */
public final class Shrinker {

    /**
     * The smaller network, the output units kept per parameter, and one line per layer kept whole.
     *
     * @param kept per prunable weight parameter, the indices of the units that remain
     */
    public record Result(MultiLayerNetwork net, Map<ParamRef, int[]> kept, List<String> keptWhole, Slicing slicing) {

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
                return sliceVector(values, channels.get(ref.layer()));
            }
            var param = params.stream().filter(p -> p.weights().layer() == ref.layer()).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(ref + " is not a parameter the shrinker knows"));
            int[] outputs = this.outputs.get(param.weights());
            return ref.equals(param.weights()) ? sliceWeights(values, param, inputs.get(param.weights()), outputs)
                    : sliceVector(values, outputs);
        }
    }

    public Result shrink(MultiLayerNetwork original) {
        var groups = NetworkLayout.groups(original);
        var params = groups.stream().map(g -> g.producers().get(0)).toList();
        var keep = new LinkedHashMap<ParamRef, int[]>();
        var notes = new ArrayList<String>();
        for (int k = 0; k < params.size(); k++) {
            var group = groups.get(k);
            var param = params.get(k);
            int units = (int) param.units();
            if (!group.removable()) {
                if (param.kind() != LayerKind.OUTPUT) {
                    notes.add(param.weights() + " kept whole: " + group.keptWhole());
                }
                keep.put(param.weights(), IntStream.range(0, units).toArray());
                continue;
            }
            int[] alive = alive(original, param, params.get(k + 1));
            if (alive.length == 0) {
                throw new dev.secateur.errors.BadInputException("every one of the " + units + " units of " + param.weights()
                        + " is zero, so removing them would leave the network without a path from input to output;"
                        + " prune that layer less");
            }
            keep.put(param.weights(), alive);
        }
        var conf = original.getLayerWiseConfigurations().clone();
        for (int k = 0; k < params.size(); k++) {
            var param = params.get(k);
            int layer = param.weights().layer();
            int kept = keep.get(param.weights()).length;
            ((FeedForwardLayer) conf.getConf(layer).getLayer()).setNOut(kept);
            if (k + 1 < params.size()) {
                for (int i : batchNorms(original, param, params.get(k + 1))) {
                    var bn = (FeedForwardLayer) conf.getConf(i).getLayer();
                    bn.setNIn(kept);
                    bn.setNOut(kept);
                }
            }
            if (k + 1 < params.size() && kept != param.units()) {
                var next = params.get(k + 1);
                var nextConf = (FeedForwardLayer) conf.getConf(next.weights().layer()).getLayer();
                var flatten = conf.getInputPreProcess(next.weights().layer()) instanceof CnnToFeedForwardPreProcessor f ? f : null;
                nextConf.setNIn(flatten == null ? kept : (long) kept * flatten.getInputHeight() * flatten.getInputWidth());
                if (flatten != null) {
                    flatten.setNumChannels(kept);
                }
            }
        }
        var inputs = new LinkedHashMap<ParamRef, int[]>();
        var channels = new LinkedHashMap<Integer, int[]>();
        for (int k = 0; k < params.size(); k++) {
            var param = params.get(k);
            int nIn = (int) param.shape()[param.kind() == LayerKind.CONVOLUTION ? 1 : 0];
            inputs.put(param.weights(), k == 0 ? IntStream.range(0, nIn).toArray()
                    : inputsOf(original, keep.get(params.get(k - 1).weights()), param));
            if (k + 1 < params.size()) {
                for (int i : batchNorms(original, param, params.get(k + 1))) {
                    channels.put(i, keep.get(param.weights()));
                }
            }
        }
        var slicing = new Slicing(params, keep, inputs, channels);
        var shrunk = new MultiLayerNetwork(conf);
        shrunk.init();
        for (var entry : shrunk.paramTable().entrySet()) {
            var ref = ParamRef.parse(entry.getKey());
            var source = original.getLayer(ref.layer()).getParam(ref.key());
            boolean sliced = channels.containsKey(ref.layer()) || params.stream().anyMatch(p -> p.weights().layer() == ref.layer());
            entry.getValue().assign(sliced ? slicing.slice(ref, source) : source);
        }
        return new Result(shrunk, keep, notes, slicing);
    }

    /** The batch-normalisation layers between two prunable layers. */
    private static int[] batchNorms(MultiLayerNetwork net, PrunableParam from, PrunableParam to) {
        return IntStream.range(from.weights().layer() + 1, to.weights().layer())
                .filter(i -> net.getLayer(i).conf().getLayer() instanceof BatchNormalization).toArray();
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

    /** The units with any nonzero incoming weight or bias, or a batch-normalisation scale or shift. */
    private static int[] alive(MultiLayerNetwork net, PrunableParam param, PrunableParam next) {
        var layer = net.getLayer(param.weights().layer());
        double[] mass = Pruner.unitScores(param, layer.getParam("W"), GroupReduction.L1);
        if (param.hasBias()) {
            add(mass, layer.getParam("b"));
        }
        for (int i : batchNorms(net, param, next)) {
            var bn = net.getLayer(i);
            add(mass, bn.getParam(BatchNormalizationParamInitializer.GAMMA));
            add(mass, bn.getParam(BatchNormalizationParamInitializer.BETA));
        }
        return IntStream.range(0, mass.length).filter(u -> mass[u] != 0).toArray();
    }

    private static void add(double[] mass, INDArray perUnit) {
        double[] values = perUnit.dup('c').reshape(perUnit.length()).toDoubleVector();
        for (int u = 0; u < mass.length; u++) {
            mass[u] += Math.abs(values[u]);
        }
    }


    /** The input indices of {@code param} that remain when the previous layer keeps {@code previousKept}. */
    private static int[] inputsOf(MultiLayerNetwork original, int[] previousKept, PrunableParam param) {
        var pre = original.getLayerWiseConfigurations().getInputPreProcess(param.weights().layer());
        if (!(pre instanceof CnnToFeedForwardPreProcessor flatten)) {
            return previousKept;
        }
        // a flattened NCHW activation: channel c occupies rows c·H·W .. (c+1)·H·W − 1
        int block = (int) (flatten.getInputHeight() * flatten.getInputWidth());
        int[] rows = new int[previousKept.length * block];
        for (int i = 0; i < previousKept.length; i++) {
            for (int j = 0; j < block; j++) {
                rows[i * block + j] = previousKept[i] * block + j;
            }
        }
        return rows;
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
