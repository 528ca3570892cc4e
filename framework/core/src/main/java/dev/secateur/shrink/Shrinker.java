package dev.secateur.shrink;

import dev.secateur.model.NetworkLayout;
import dev.secateur.model.PrunableParam;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
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
 * and its bias are zero and its activation maps 0 to 0, so its output is 0 for every input; removing it
 * and the next layer's matching inputs (for a dense layer after a flatten, the H·W rows of that channel,
 * in DL4J's channel-major order) leaves the network's function unchanged. Pooling, activation and
 * dropout layers pass channels through; any other layer between two prunable layers keeps the first one
 * whole, and the report says so. Output layers keep all their units (they are the classes).
 */
public final class Shrinker {

    private static final Set<Class<?>> CHANNEL_PRESERVING = Set.of(SubsamplingLayer.class, ActivationLayer.class, DropoutLayer.class);

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
            var activation = ((BaseLayer) original.getLayer(param.weights().layer()).conf().getLayer()).getActivationFn();
            if (blocker == null && !mapsZeroToZero(activation)) {
                blocker = "its activation " + activation + " does not map 0 to 0";
            }
            if (blocker != null) {
                notes.add(param.weights() + " kept whole: " + blocker);
                keep.put(param.weights(), all);
                continue;
            }
            int[] alive = alive(original, param);
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
            if (k + 1 < params.size() && kept != param.units()) {
                var next = params.get(k + 1);
                var nextConf = (FeedForwardLayer) conf.getConf(next.weights().layer()).getLayer();
                var flatten = flatten(conf, layer, next.weights().layer());
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
            int[] inputs = k == 0 ? null : inputsOf(original, conf, params.get(k - 1), keep.get(params.get(k - 1).weights()), param);
            copy(original, shrunk, param, inputs, outputs);
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

    private static boolean mapsZeroToZero(IActivation activation) {
        return activation instanceof ActivationIdentity || activation instanceof ActivationReLU
                || activation instanceof ActivationLReLU || activation instanceof ActivationTanH;
    }

    /** The units with any nonzero incoming weight or bias. */
    private static int[] alive(MultiLayerNetwork net, PrunableParam param) {
        var layer = net.getLayer(param.weights().layer());
        int axis = param.kind().outputAxis();
        int[] others = IntStream.range(0, param.shape().length).filter(d -> d != axis).toArray();
        double[] weightMass = org.nd4j.linalg.ops.transforms.Transforms.abs(layer.getParam("W"), true).sum(others).toDoubleVector();
        double[] bias = param.hasBias() ? layer.getParam("b").dup().reshape(param.units()).toDoubleVector() : new double[weightMass.length];
        return IntStream.range(0, weightMass.length).filter(u -> weightMass[u] != 0 || bias[u] != 0).toArray();
    }

    private static CnnToFeedForwardPreProcessor flatten(MultiLayerConfiguration conf, int from, int to) {
        return conf.getInputPreProcess(to) instanceof CnnToFeedForwardPreProcessor f ? f : null;
    }

    /** The input indices of {@code param} that remain when the previous layer keeps {@code previousKept}. */
    private static int[] inputsOf(MultiLayerNetwork original, MultiLayerConfiguration conf, PrunableParam previous,
                                  int[] previousKept, PrunableParam param) {
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
