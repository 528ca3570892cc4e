package dev.secateur.evaluate;

import dev.secateur.model.ActivationKinds;
import dev.secateur.model.Network;
import dev.secateur.model.PlainPerceptron;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The forward pass of a multilayer perceptron (dense ReLU or identity layers, a softmax output) for a few
 * examples at a time, in plain Java over a copy of the weights taken when it is made. At batch 1 DL4J's
 * {@code output} spends most of its time on per-call bookkeeping (workspaces, op validation, one native call per
 * operation), not on the products (docs/results/speed.md); this pass does only the arithmetic: for each input that
 * is not zero, its weight row is added into the layer's outputs, a loop the JIT vectorises. Inputs that are zero
 * (after ReLU, about half; background pixels) cost nothing. It computes what {@code net.output} does, up to the
 * order of float additions: {@code SmallBatchForwardTest} checks it against DL4J's output.
 *
 * <p>It reads the weights once, when made: make a new one after the network changes. Anything else (other layers
 * or activations, dropout, preprocessors, doubles) has no such pass, and {@link #unsupported} says why.
 */
public final class SmallBatchForward {

    /**
     * One dense layer: its weights as one array per input ({@code inputs × outputs}), its bias, and whether ReLU
     * follows. Each row is its own array because the JIT vectorises {@code y[j] += x * w[j]} but not the same loop
     * at an offset into one long array (docs/results/speed.md).
     */
    private record Dense(int inputs, int outputs, float[][] weights, float[] bias, boolean relu) {

        static Dense of(INDArray w, INDArray b, boolean relu) {
            int inputs = (int) w.size(0);
            int outputs = (int) w.size(1);
            float[] flat = w.dup('c').data().asFloat();
            float[][] rows = new float[inputs][];
            for (int i = 0; i < inputs; i++) {
                rows[i] = Arrays.copyOfRange(flat, i * outputs, (i + 1) * outputs);
            }
            return new Dense(inputs, outputs, rows, b.dup().data().asFloat(), relu);
        }

        /** The layer's outputs for each example's inputs. */
        float[][] forward(float[][] x) {
            float[][] y = new float[x.length][];
            for (int row = 0; row < x.length; row++) {
                float[] in = x[row];
                float[] out = bias.clone();
                for (int i = 0; i < inputs; i++) {
                    float xi = in[i];
                    if (xi == 0f) {
                        continue;
                    }
                    float[] w = weights[i];
                    for (int j = 0; j < outputs; j++) {
                        out[j] += xi * w[j];
                    }
                }
                if (relu) {
                    for (int j = 0; j < outputs; j++) {
                        out[j] = Math.max(out[j], 0f);
                    }
                }
                y[row] = out;
            }
            return y;
        }
    }

    private final List<Dense> layers;

    private SmallBatchForward(List<Dense> layers) {
        this.layers = layers;
    }

    /** The pass for {@code net}, with its weights as they are now, or null where {@link #unsupported} names a reason. */
    public static SmallBatchForward of(Network net) {
        if (unsupported(net) != null) {
            return null;
        }
        var sequential = net.sequential("a small-batch forward pass");
        var layers = new ArrayList<Dense>();
        for (int i = 0; i < sequential.getnLayers(); i++) {
            var layer = sequential.getLayer(i);
            INDArray w = layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
            INDArray b = layer.getParam(DefaultParamInitializer.BIAS_KEY);
            boolean relu = ActivationKinds.plainRelu(((BaseLayer) layer.conf().getLayer()).getActivationFn());
            layers.add(Dense.of(w, b, relu));
        }
        return new SmallBatchForward(List.copyOf(layers));
    }

    /** Null when {@link #of} can make a pass for {@code net}; otherwise why it cannot. */
    public static String unsupported(Network net) {
        if (net.isGraph()) {
            return "it is a graph";
        }
        MultiLayerNetwork sequential = net.sequential("a small-batch forward pass");
        String shape = PlainPerceptron.unsupported(sequential);
        if (shape != null) {
            return shape;
        }
        var preprocessors = sequential.getLayerWiseConfigurations().getInputPreProcessors();
        if (preprocessors != null && !preprocessors.isEmpty()) {
            return "it has input preprocessors";
        }
        return null;
    }

    /** The outputs (class probabilities) for the rows of {@code x}, {@code [batch, classes]}. */
    public INDArray output(INDArray x) {
        int batch = (int) x.size(0);
        int features = layers.get(0).inputs();
        if (x.rank() != 2 || x.size(1) != features) {
            throw new IllegalArgumentException("inputs of shape " + Arrays.toString(x.shape()) + ", expected [batch, " + features + "]");
        }
        float[] flat = x.dataType() == DataType.FLOAT && !x.isView() && x.ordering() == 'c' ? x.data().asFloat() : x.castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[][] activation = new float[batch][];
        for (int row = 0; row < batch; row++) {
            activation[row] = Arrays.copyOfRange(flat, row * features, (row + 1) * features);
        }
        for (var layer : layers) {
            activation = layer.forward(activation);
        }
        int classes = layers.get(layers.size() - 1).outputs();
        float[] out = new float[batch * classes];
        for (int row = 0; row < batch; row++) {
            softmax(activation[row]);
            System.arraycopy(activation[row], 0, out, row * classes, classes);
        }
        return Nd4j.create(out, new long[]{batch, classes}, 'c');
    }

    /** {@code y} replaced by its softmax. */
    private static void softmax(float[] y) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : y) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int j = 0; j < y.length; j++) {
            y[j] = (float) Math.exp(y[j] - max);
            sum += y[j];
        }
        for (int j = 0; j < y.length; j++) {
            y[j] = (float) (y[j] / sum);
        }
    }
}
