package dev.secateur.finetune;

import dev.secateur.model.ActivationKinds;
import dev.secateur.model.PlainPerceptron;
import java.nio.FloatBuffer;
import java.util.ArrayList;
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
 * cross-entropy, Adam) without DL4J's per-iteration machinery: the same arithmetic as {@code net.fit} (but for
 * {@link FlatAdam}'s flush of tiny values where subnormal floats appear), with the eight matrix products going
 * straight to BLAS into arrays allocated once, and the bias, activation, softmax and Adam passes done in one loop
 * each. DL4J's fit spends more time on its bookkeeping and its Adam op than on these products
 * (docs/results/speed.md); this loop trains LeNet-300-100 about three times as fast.
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
    private final INDArray gradient;
    private final FlatAdam adam;
    private final Map<Integer, Buffers> buffers = new HashMap<>();

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
        INDArray params = net.params();
        long n = params.length();
        this.gradient = Nd4j.create(DataType.FLOAT, 1, n);
        INDArray state = ((BaseMultiLayerUpdater<?>) net.getUpdater(true)).getStateViewArray();
        if (state.length() != 2 * n || params.ordering() != 'c' || !params.isVector()) {
            throw new IllegalStateException("unexpected parameter or Adam state layout: " + params.shapeInfoToString() + ", state " + state.length());
        }
        var segmentEnds = new long[2 * net.getnLayers()];
        var segmentL2 = new float[2 * net.getnLayers()];
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
            // L2 on weights, not biases
            segmentL2[2 * i] = regularization == null || regularization.isEmpty() ? 0f
                    : (float) ((L2Regularization) regularization.get(0)).getL2().valueAt(0, 0);
            segmentEnds[2 * i] = offset + weights;
            segmentEnds[2 * i + 1] = offset + count;
            layers.add(new LayerViews(w, b, grads.get(DefaultParamInitializer.WEIGHT_KEY), offset + weights,
                    (int) w.size(1), ActivationKinds.plainRelu(conf.getActivationFn())));
            offset += count;
        }
        this.adam = new FlatAdam(params, gradient, state, segmentEnds, segmentL2);
    }

    /** One pass over {@code batches}, calling {@code listeners} after every update as DL4J's fit does. */
    void fitEpoch(DataSetIterator batches, List<TrainingListener> listeners) {
        var conf = net.getLayerWiseConfigurations();
        var settings = (Adam) ((BaseLayer) net.getLayer(0).conf().getLayer()).getIUpdater();
        while (batches.hasNext()) {
            var batch = batches.next();
            INDArray x = contiguous(batch.getFeatures());
            INDArray y = contiguous(batch.getLabels());
            int rows = (int) x.size(0);
            double loss = forwardBackward(x, y, rows);
            int iteration = conf.getIterationCount();
            int epoch = conf.getEpochCount();
            double score = loss + adam.update(settings, iteration, epoch, rows);
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

}
