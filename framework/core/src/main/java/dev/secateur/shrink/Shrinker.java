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
import java.util.Set;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationTanH;
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

    private static final Set<Class<?>> CHANNEL_PRESERVING = Set.of(SubsamplingLayer.class, ActivationLayer.class, DropoutLayer.class,
            BatchNormalization.class);

    /**
     * The smaller network, the output units kept per parameter, and one line per layer kept whole.
     *
     * @param kept per prunable weight parameter, the indices of the units that remain
     */
    public record Result(MultiLayerNetwork net, Map<ParamRef, int[]> kept, List<String> keptWhole) {
    }

    public Result shrink(MultiLayerNetwork original) {
        var params = NetworkLayout.prunable(original);
        var keep = new LinkedHashMap<ParamRef, int[]>();
        var notes = new ArrayList<String>();
        for (int k = 0; k < params.size(); k++) {
            var param = params.get(k);
            int units = (int) param.units();
            int[] all = IntStream.range(0, units).toArray();
            if (param.kind() == LayerKind.OUTPUT) {
                keep.put(param.weights(), all);
                continue;
            }
            String blocker = k + 1 < params.size() ? between(original, param, params.get(k + 1)) : "it is the last prunable layer";
            if (blocker == null) {
                blocker = activationBlocker(original, param, params.get(k + 1));
            }
            if (blocker != null) {
                notes.add(param.weights() + " kept whole: " + blocker);
                keep.put(param.weights(), all);
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
        var shrunk = new MultiLayerNetwork(conf);
        shrunk.init();
        for (int k = 0; k < params.size(); k++) {
            var param = params.get(k);
            int[] outputs = keep.get(param.weights());
            int[] inputs = k == 0 ? null : inputsOf(original, keep.get(params.get(k - 1).weights()), param);
            copy(original, shrunk, param, inputs, outputs);
            if (k + 1 < params.size()) {
                for (int i : batchNorms(original, param, params.get(k + 1))) {
                    copyChannels(original, shrunk, i, outputs);
                }
            }
        }
        return new Result(shrunk, keep, notes);
    }

    /** Why the layers between two prunable layers stop channels from being removed, or null if nothing does. */
    private static String between(MultiLayerNetwork net, PrunableParam from, PrunableParam to) {
        for (int i = from.weights().layer() + 1; i < to.weights().layer(); i++) {
            var layer = net.getLayer(i).conf().getLayer();
            if (!CHANNEL_PRESERVING.contains(layer.getClass())) {
                return "layer " + i + " (" + layer.getClass().getSimpleName() + ") lies between it and " + to.weights()
                        + ", and Secateur does not know how it maps channels";
            }
        }
        var pre = net.getLayerWiseConfigurations().getInputPreProcess(to.weights().layer());
        if (pre != null && !(pre instanceof CnnToFeedForwardPreProcessor)) {
            return "the input preprocessor of " + to.weights() + " (" + pre.getClass().getSimpleName() + ") is not supported";
        }
        return null;
    }

    /** Why some activation between a layer's weights and the next prunable layer does not keep 0 at 0, or null. */
    private static String activationBlocker(MultiLayerNetwork net, PrunableParam from, PrunableParam to) {
        for (int i = from.weights().layer(); i < to.weights().layer(); i++) {
            var layer = net.getLayer(i).conf().getLayer();
            if (layer instanceof BaseLayer base && !mapsZeroToZero(base.getActivationFn())) {
                return "the activation " + base.getActivationFn() + " of layer " + i + " does not map 0 to 0";
            }
            if (layer instanceof ActivationLayer act && !mapsZeroToZero(act.getActivationFn())) {
                return "the activation " + act.getActivationFn() + " of layer " + i + " does not map 0 to 0";
            }
        }
        return null;
    }

    /** The batch-normalisation layers between two prunable layers. */
    private static int[] batchNorms(MultiLayerNetwork net, PrunableParam from, PrunableParam to) {
        return IntStream.range(from.weights().layer() + 1, to.weights().layer())
                .filter(i -> net.getLayer(i).conf().getLayer() instanceof BatchNormalization).toArray();
    }

    /** Copies the kept channels of every per-channel parameter of a layer (batch normalisation). */
    private static void copyChannels(MultiLayerNetwork from, MultiLayerNetwork to, int layer, int[] channels) {
        for (var entry : from.getLayer(layer).paramTable().entrySet()) {
            INDArray source = entry.getValue();
            float[] all = source.dup('c').reshape(source.length()).toFloatVector();
            float[] kept = new float[channels.length];
            for (int c = 0; c < channels.length; c++) {
                kept[c] = all[channels[c]];
            }
            INDArray target = to.getLayer(layer).getParam(entry.getKey());
            target.assign(Nd4j.create(kept, target.shape(), 'c'));
        }
    }

    private static boolean mapsZeroToZero(IActivation activation) {
        return activation instanceof ActivationIdentity || activation instanceof ActivationReLU
                || activation instanceof ActivationLReLU || activation instanceof ActivationTanH;
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

    /** Copies the kept rows and columns; indexing is done on plain arrays (sub-views of DL4J parameter views fail to read). */
    private static void copy(MultiLayerNetwork from, MultiLayerNetwork to, PrunableParam param, int[] inputs, int[] outputs) {
        int layer = param.weights().layer();
        INDArray w = from.getLayer(layer).getParam("W");
        long[] shape = w.shape();
        float[] source = w.dup('c').reshape(w.length()).toFloatVector();
        int nIn = (int) (param.kind() == LayerKind.CONVOLUTION ? shape[1] : shape[0]);
        int[] in = inputs == null ? IntStream.range(0, nIn).toArray() : inputs;
        float[] target;
        long[] newShape;
        if (param.kind() == LayerKind.CONVOLUTION) {
            int kernel = (int) (shape[2] * shape[3]);
            target = new float[outputs.length * in.length * kernel];
            int t = 0;
            for (int o : outputs) {
                for (int i : in) {
                    System.arraycopy(source, (o * nIn + i) * kernel, target, t, kernel);
                    t += kernel;
                }
            }
            newShape = new long[]{outputs.length, in.length, shape[2], shape[3]};
        } else {
            int nOut = (int) shape[1];
            target = new float[in.length * outputs.length];
            int t = 0;
            for (int i : in) {
                for (int o : outputs) {
                    target[t++] = source[i * nOut + o];
                }
            }
            newShape = new long[]{in.length, outputs.length};
        }
        to.getLayer(layer).getParam("W").assign(Nd4j.create(target, newShape, 'c'));
        if (param.hasBias()) {
            float[] bias = from.getLayer(layer).getParam("b").dup('c').reshape(param.units()).toFloatVector();
            float[] kept = new float[outputs.length];
            for (int k = 0; k < outputs.length; k++) {
                kept[k] = bias[outputs[k]];
            }
            INDArray b = to.getLayer(layer).getParam("b");
            b.assign(Nd4j.create(kept, b.shape(), 'c'));
        }
    }
}
