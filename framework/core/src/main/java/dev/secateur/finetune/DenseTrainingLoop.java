package dev.secateur.finetune;

import dev.secateur.model.ActivationKinds;
import dev.secateur.model.PlainPerceptron;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * One training epoch of a multilayer perceptron (dense ReLU or identity layers, a softmax output with
 * cross-entropy, Adam) without DL4J's per-iteration machinery: the same arithmetic as {@code net.fit}, except
 * that where subnormal floats appear Adam counts values under {@link #FLUSH_BELOW} as zero, with the eight matrix products going straight to BLAS into arrays allocated once, and the bias,
 * activation, softmax and Adam passes done in one loop each. DL4J's fit spends more time on its
 * bookkeeping and its Adam op than on these products (docs/results/speed.md); this loop trains
 * LeNet-300-100 about three times as fast.
 *
 * <p>It works in place on the network's own parameters and Adam state, with DL4J's layout, iteration count
 * and update order (mean gradient, then L2, then Adam, then the listeners, then the iteration count), so a
 * checkpoint, a rewind copy or a later {@code net.fit} carries on exactly as after DL4J's own fit.
 * Anything else (other layers, activations, losses, updaters, dropout, a distillation teacher) trains
 * through {@code net.fit}; {@link #unsupported} says why.
 */
final class DenseTrainingLoop {

    /** {@code -Dsecateur.training.denseLoop=false} trains every network through DL4J's fit, for comparison. */
    static final String PROPERTY = "secateur.training.denseLoop";

    /** DL4J's default clipping of softmax outputs in the cross-entropy (LossMCXENT), which this loop applies too. */
    private static final double SOFTMAX_CLIP = 1e-10;

    private final MultiLayerNetwork net;
    private final List<LayerViews> layers = new ArrayList<>();
    private final INDArray params;
    private final INDArray gradient;
    private final INDArray state;
    private final float[] l2;
    /** {@link #FLUSH_BELOW}, or 0 where {@link FineTuner#FLUSH_TINY_MOMENTS_PROPERTY} is false: then nothing is flushed. */
    private final float flushBelow = FineTuner.flushTinyMomentsEnabled() ? FLUSH_BELOW : 0f;
    /**
     * The Adam chunks found holding a subnormal value: they run the flushing loop, which the JIT does not
     * vectorise, and the rest the plain one. Flushing every chunk from the start made every LeNet-300-100 epoch
     * about 1.5 times as long (docs/results/speed.md), while subnormal values appear only late in long runs.
     */
    private boolean[] flushingChunks = new boolean[0];
    private final Map<Integer, Buffers> buffers = new HashMap<>();

    /**
     * In a chunk of parameters where a subnormal value has appeared, Adam's gradients and first moments under
     * this magnitude count as zero, and second moments under its square. Left alone, the moments of a parameter
     * with no data gradient (a weight from a pixel that is zero in every image, driven by L2 alone, or a dead
     * unit's bias) shrink geometrically into subnormal floats, which x86 computes many times slower (Java cannot
     * set flush-to-zero); a dense control's 16th cosine-decayed epoch took about five times as long
     * (docs/results/speed.md). With Adam's default epsilon of 1e-8, a steady gradient that the flush loses would
     * have moved its weight by under lr × 1e-6 a step.
     */
    static final float FLUSH_BELOW = 1e-15f;

    /** Adam runs through these in chunks: plain arrays, whose loop the JIT vectorises. */
    private static final int CHUNK = 8192;
    /** How often, in updates, the unflushed chunks are looked through for subnormal values. */
    private static final int SUBNORMAL_SCAN_INTERVAL = 64;
    private final float[] w = new float[CHUNK];
    private final float[] grad = new float[CHUNK];
    private final float[] m = new float[CHUNK];
    private final float[] v = new float[CHUNK];

    /** One layer's parameter views, its weight-gradient view, and where its bias gradient starts in the flat gradient. */
    private record LayerViews(INDArray weights, INDArray bias, INDArray weightGradient, long biasGradientOffset,
                              int outputs, boolean relu) {
    }

    /** Activations and deltas for one batch size: the activation of layer i is written over its pre-activation. */
    private record Buffers(INDArray[] activations, INDArray[] deltas) {
    }

    static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty(PROPERTY, "true"));
    }

    /** Null when this loop trains {@code net} as DL4J's fit would; otherwise why it cannot. */
    static String unsupported(MultiLayerNetwork net) {
        if (!enabled()) {
            return PROPERTY + " is false";
        }
        String shape = PlainPerceptron.unsupported(net);
        if (shape != null) {
            return shape;
        }
        Adam first = null;
        for (int i = 0; i < net.getnLayers(); i++) {
            var conf = net.getLayer(i).conf().getLayer();
            var layer = (BaseLayer) conf;
            if (conf instanceof OutputLayer output && (!(output.getLossFn() instanceof LossMCXENT loss)
                    || loss.getWeights() != null || loss.getSoftmaxClipEps() != SOFTMAX_CLIP)) {
                return "layer " + i + " has a loss other than plain cross-entropy";
            }
            if ((layer.getConstraints() != null && !layer.getConstraints().isEmpty())
                    || (layer.getGradientNormalization() != null && layer.getGradientNormalization() != GradientNormalization.None)
                    || (layer.getRegularizationBias() != null && !layer.getRegularizationBias().isEmpty())) {
                return "layer " + i + " has constraints, gradient normalisation or bias regularisation";
            }
            var regularization = layer.getRegularization();
            if (regularization != null && (regularization.size() > 1 || (regularization.size() == 1 && !(regularization.get(0) instanceof L2Regularization)))) {
                return "layer " + i + " has regularisation " + regularization;
            }
            // a rate schedule is fine: the update reads the rate at each iteration, as DL4J's does
            if (!(layer.getIUpdater() instanceof Adam adam) || (layer.getBiasUpdater() != null && !layer.getBiasUpdater().equals(adam))) {
                return "layer " + i + " is not trained by Adam";
            }
            if (first != null && !first.equals(adam)) {
                return "layers are trained with different Adam settings";
            }
            first = adam;
        }
        var updater = (BaseMultiLayerUpdater<?>) net.getUpdater(true);
        if (updater.getUpdaterBlocks().size() != 1 || !(updater.getUpdaterBlocks().get(0).getGradientUpdater() instanceof AdamUpdater)) {
            return "the updater has " + updater.getUpdaterBlocks().size() + " blocks";
        }
        return null;
    }

    DenseTrainingLoop(MultiLayerNetwork net) {
        this.net = net;
        this.params = net.params();
        long n = params.length();
        this.gradient = Nd4j.create(DataType.FLOAT, 1, n);
        this.state = ((BaseMultiLayerUpdater<?>) net.getUpdater(true)).getStateViewArray();
        if (state.length() != 2 * n || params.ordering() != 'c' || !params.isVector()) {
            throw new IllegalStateException("unexpected parameter or Adam state layout: " + params.shapeInfoToString() + ", state " + state.length());
        }
        this.l2 = new float[net.getnLayers()];
        long offset = 0;
        for (int i = 0; i < net.getnLayers(); i++) {
            Layer layer = net.getLayer(i);
            var conf = (BaseLayer) layer.conf().getLayer();
            long count = layer.numParams();
            var grads = DefaultParamInitializer.getInstance().getGradientsFromFlattened(layer.conf(),
                    gradient.get(NDArrayIndex.point(0), NDArrayIndex.interval(offset, offset + count)));
            INDArray w = layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
            INDArray b = layer.getParam(DefaultParamInitializer.BIAS_KEY);
            long weights = w.length(); // DL4J's layout: each layer's weights, then its bias
            var regularization = conf.getRegularization();
            l2[i] = regularization == null || regularization.isEmpty() ? 0f
                    : (float) ((L2Regularization) regularization.get(0)).getL2().valueAt(0, 0);
            layers.add(new LayerViews(w, b, grads.get(DefaultParamInitializer.WEIGHT_KEY), offset + weights,
                    (int) w.size(1), ActivationKinds.plainRelu(conf.getActivationFn())));
            offset += count;
        }
    }

    /** One pass over {@code batches}, calling {@code listeners} after every update as DL4J's fit does. */
    void fitEpoch(DataSetIterator batches, List<TrainingListener> listeners) {
        var conf = net.getLayerWiseConfigurations();
        var adam = (Adam) ((BaseLayer) net.getLayer(0).conf().getLayer()).getIUpdater();
        while (batches.hasNext()) {
            var batch = batches.next();
            INDArray x = contiguous(batch.getFeatures());
            INDArray y = contiguous(batch.getLabels());
            int rows = (int) x.size(0);
            double loss = forwardBackward(x, y, rows);
            int iteration = conf.getIterationCount();
            int epoch = conf.getEpochCount();
            double score = loss + update(adam, iteration, epoch, rows);
            net.setInput(x);
            net.setLabels(y);
            net.setScore(score);
            for (var listener : listeners) {
                listener.iterationDone(net, iteration, epoch);
            }
            conf.setIterationCount(iteration + 1);
        }
        net.incrementEpochCount();
        // as fit leaves it; clear() would also drop the solver, and with it the Adam state
        net.setInput(null);
        net.setLabels(null);
    }

    private static INDArray contiguous(INDArray a) {
        return a.ordering() == 'c' && a.elementWiseStride() == 1 && a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT).dup('c');
    }

    /** The mean cross-entropy of the batch; leaves the summed gradient in {@link #gradient}. */
    private double forwardBackward(INDArray x, INDArray y, int rows) {
        var b = buffers.computeIfAbsent(rows, this::allocate);
        int last = layers.size() - 1;
        INDArray input = x;
        for (int i = 0; i <= last; i++) {
            var layer = layers.get(i);
            INDArray z = b.activations()[i];
            Nd4j.gemm(input, layer.weights(), z, false, false, 1.0, 0.0);
            addBias(z, layer.bias(), rows, layer.outputs(), layer.relu() && i < last);
            input = z;
        }
        INDArray out = b.activations()[last];
        double loss = softmaxCrossEntropy(out, y, b.deltas()[last], rows, layers.get(last).outputs());
        for (int i = last; i >= 0; i--) {
            var layer = layers.get(i);
            INDArray delta = b.deltas()[i];
            INDArray below = i == 0 ? x : b.activations()[i - 1];
            Nd4j.gemm(below, delta, layer.weightGradient(), true, false, 1.0, 0.0);
            columnSums(delta, rows, layer.outputs(), layer.biasGradientOffset());
            if (i > 0) {
                INDArray previous = b.deltas()[i - 1];
                Nd4j.gemm(delta, layer.weights(), previous, false, true, 1.0, 0.0);
                if (layers.get(i - 1).relu()) {
                    reluBackward(previous, b.activations()[i - 1]);
                }
            }
        }
        return loss;
    }

    private Buffers allocate(int rows) {
        var activations = new INDArray[layers.size()];
        var deltas = new INDArray[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            activations[i] = Nd4j.create(DataType.FLOAT, new long[]{rows, layers.get(i).outputs()}, 'c');
            deltas[i] = Nd4j.create(DataType.FLOAT, new long[]{rows, layers.get(i).outputs()}, 'c');
        }
        return new Buffers(activations, deltas);
    }

    private static FloatBuffer floats(INDArray a) {
        return a.data().asNioFloat();
    }

    private static void addBias(INDArray z, INDArray bias, int rows, int cols, boolean relu) {
        FloatBuffer zb = floats(z);
        FloatBuffer bb = floats(bias);
        int bo = (int) bias.offset();
        long bs = bias.elementWiseStride();
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                float v = zb.get(base + c) + bb.get(bo + (int) (c * bs));
                zb.put(base + c, relu && v < 0f ? 0f : v);
            }
        }
    }

    /** Softmax of the logits in place, DL4J's clipping, the mean loss, and the summed-gradient delta p − y. */
    private static double softmaxCrossEntropy(INDArray logits, INDArray labels, INDArray delta, int rows, int cols) {
        FloatBuffer z = floats(logits);
        FloatBuffer t = floats(labels);
        int to = (int) labels.offset();
        FloatBuffer d = floats(delta);
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, z.get(base + c));
            }
            float sum = 0f;
            for (int c = 0; c < cols; c++) {
                float e = (float) Math.exp(z.get(base + c) - max);
                z.put(base + c, e);
                sum += e;
            }
            for (int c = 0; c < cols; c++) {
                float p = z.get(base + c) / sum;
                p = Math.min(Math.max(p, (float) SOFTMAX_CLIP), (float) (1 - SOFTMAX_CLIP));
                float label = t.get(to + base + c);
                if (label != 0f) {
                    loss -= label * Math.log(p);
                }
                d.put(base + c, p - label);
            }
        }
        return loss / rows;
    }

    private void columnSums(INDArray delta, int rows, int cols, long offset) {
        FloatBuffer d = floats(delta);
        FloatBuffer g = floats(gradient);
        for (int c = 0; c < cols; c++) {
            float sum = 0f;
            for (int r = 0; r < rows; r++) {
                sum += d.get(r * cols + c);
            }
            g.put((int) offset + c, sum);
        }
    }

    private static void reluBackward(INDArray delta, INDArray activation) {
        FloatBuffer d = floats(delta);
        FloatBuffer a = floats(activation);
        for (int i = 0, n = (int) delta.length(); i < n; i++) {
            if (a.get(i) <= 0f) {
                d.put(i, 0f);
            }
        }
    }

    /**
     * DL4J's update: the summed gradient divided by the batch size, plus the L2 term on weights, then
     * libnd4j's Adam (bias-corrected step size, in float), subtracted from the parameters.
     *
     * @return the L2 penalty's share of the score, as DL4J adds it
     */
    private double update(Adam adam, int iteration, int epoch, int rows) {
        FloatBuffer p = floats(params);
        FloatBuffer g = floats(gradient);
        FloatBuffer s = floats(state);
        int po = (int) params.offset();
        int so = (int) state.offset();
        int n = (int) params.length();
        float beta1 = (float) adam.getBeta1();
        float beta2 = (float) adam.getBeta2();
        float epsilon = (float) adam.getEpsilon();
        float lr = (float) adam.getLearningRate(iteration, epoch);
        float beta1T = (float) Math.pow(beta1, iteration + 1);
        float beta2T = (float) Math.pow(beta2, iteration + 1);
        float step = lr * (float) Math.sqrt(1f - beta2T) / (1f - beta1T);
        if (Float.isNaN(step) || Float.isInfinite(step) || step == 0f) {
            step = epsilon;
        }
        float perExample = 1f / rows;
        double penalty = 0;
        boolean scan = flushBelow > 0f && iteration % SUBNORMAL_SCAN_INTERVAL == 0;
        float flushSquared = flushBelow * flushBelow;
        // a chunk never spans weights and biases, nor two layers
        for (int from = 0, chunk = 0; from < n; chunk++) {
            int layer = layerOf(from);
            int to = Math.min(n, Math.min(from + CHUNK, (int) segmentEnd(from, layer)));
            int len = to - from;
            p.get(po + from, w, 0, len);
            g.get(from, grad, 0, len);
            s.get(so + from, m, 0, len);
            s.get(so + n + from, v, 0, len);
            float decay = from < layers.get(layer).biasGradientOffset() ? l2[layer] : 0f; // L2 on weights, not biases
            if (decay != 0f) {
                for (int i = 0; i < len; i++) {
                    penalty += 0.5 * decay * w[i] * w[i];
                }
            }
            if (chunk >= flushingChunks.length) {
                flushingChunks = Arrays.copyOf(flushingChunks, chunk + 1);
            }
            if (!flushingChunks[chunk]) {
                // DL4J's arithmetic exactly, in the form the JIT vectorises
                for (int i = 0; i < len; i++) {
                    float gi = grad[i] * perExample + decay * w[i];
                    float mi = beta1 * m[i] + gi * (1f - beta1);
                    float vi = beta2 * v[i] + gi * gi * (1f - beta2);
                    m[i] = mi;
                    v[i] = vi;
                    w[i] = w[i] - mi * step / ((float) Math.sqrt(vi) + epsilon);
                }
                flushingChunks[chunk] = scan && holdsSubnormal(len);
            } else {
                for (int i = 0; i < len; i++) {
                    float gi = flush(grad[i] * perExample + decay * w[i], flushBelow);
                    float mi = flush(beta1 * m[i] + gi * (1f - beta1), flushBelow);
                    float vi = flush(beta2 * v[i] + gi * gi * (1f - beta2), flushSquared);
                    m[i] = mi;
                    v[i] = vi;
                    w[i] = w[i] - mi * step / ((float) Math.sqrt(vi) + epsilon);
                }
            }
            p.put(po + from, w, 0, len);
            s.put(so + from, m, 0, len);
            s.put(so + n + from, v, 0, len);
            from = to;
        }
        return penalty;
    }

    /** Whether the chunk's weights or moments, as just updated, hold a subnormal float. */
    private boolean holdsSubnormal(int len) {
        for (int i = 0; i < len; i++) {
            if (subnormal(w[i]) || subnormal(m[i]) || subnormal(v[i])) {
                return true;
            }
        }
        return false;
    }

    private static boolean subnormal(float value) {
        return value != 0f && Math.abs(value) < Float.MIN_NORMAL;
    }

    /** Zero for a value under {@code limit} in magnitude, the value otherwise. */
    private static float flush(float value, float limit) {
        return Math.abs(value) < limit ? 0f : value;
    }

    private int layerOf(int index) {
        int layer = 0;
        while (index >= layerEnd(layer)) {
            layer++;
        }
        return layer;
    }

    /** Where the run of weights or of biases that {@code index} falls in ends. */
    private long segmentEnd(int index, int layer) {
        long biasStart = layers.get(layer).biasGradientOffset();
        return index < biasStart ? biasStart : layerEnd(layer);
    }

    private long layerEnd(int layer) {
        return layer >= layers.size() ? Long.MAX_VALUE : layers.get(layer).biasGradientOffset() + layers.get(layer).outputs();
    }
}
