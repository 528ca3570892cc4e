package dev.secateur.finetune;

import dev.secateur.model.ActivationKinds;
import dev.secateur.model.NativeAddress;
import dev.secateur.model.PlainPerceptron;
import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
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
 * straight to OpenBLAS or oneDNN into arrays allocated once, and the bias, activation, softmax and Adam passes done in one loop
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

    /** From this many rows a batch's forward products go through oneDNN's matmul; below, OpenBLAS was faster. */
    static final int FORWARD_THROUGH_ONEDNN_FROM = 64;
    /** From this many rows the deltas of the layers below go through oneDNN's matmul; below, OpenBLAS was faster. */
    static final int DELTA_THROUGH_ONEDNN_FROM = 256;

    /** DL4J's default clipping of softmax outputs in the cross-entropy (LossMCXENT), which this loop applies too. */
    private static final double SOFTMAX_CLIP = 1e-10;

    private final MultiLayerNetwork net;
    private final List<LayerViews> layers = new ArrayList<>();
    private final INDArray gradient;
    private final FlatAdam adam;
    private final Map<Integer, Buffers> buffers = new HashMap<>();

    /**
     * One layer's parameter views, its weight-gradient view, and where its bias gradient starts in the flat gradient.
     * DL4J keeps {@code W [inputs, outputs]} column after column, so {@code weightRows} and {@code weightGradientRows},
     * the native addresses of the two views, read as {@code Wᵀ [outputs, inputs]} row after row (the views are kept
     * so that the memory behind those addresses stays reachable).
     */
    private record LayerViews(INDArray weights, INDArray bias, INDArray weightGradient, FloatPointer weightRows,
                              FloatPointer weightGradientRows, long biasGradientOffset, int inputs, int outputs, boolean relu) {
    }

    /**
     * Activations and deltas for one batch size, with their native addresses: the activation of layer i is written
     * over its pre-activation. {@code heap} and {@code heapBelow} hold one of them at a time on the Java heap, where
     * the element-wise passes run as loops the JIT vectorises (through a direct buffer, an element at a time, the bias
     * and ReLU passes took about a sixth of LeNet-300-100's epoch at batch 64).
     */
    private record Buffers(INDArray[] activations, INDArray[] deltas, FloatPointer[] activationRows, FloatPointer[] deltaRows,
                           float[] heap, float[] heapBelow) {
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
            if (!columnMajor(net.getLayer(i).getParam(DefaultParamInitializer.WEIGHT_KEY))) {
                return "layer " + i + "'s weights are not laid out column after column, as the products read them";
            }
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
            INDArray weightGradient = grads.get(DefaultParamInitializer.WEIGHT_KEY);
            int inputs = (int) w.size(0);
            if (!columnMajor(w) || !columnMajor(weightGradient)) {
                // unsupported() refuses such a network, and DL4J lays out the gradient views as the weights
                throw new IllegalStateException("layer " + i + "'s weights are not laid out column after column: " + w.shapeInfoToString());
            }
            var regularization = conf.getRegularization();
            // L2 on weights, not biases
            segmentL2[2 * i] = regularization == null || regularization.isEmpty() ? 0f
                    : (float) ((L2Regularization) regularization.get(0)).getL2().valueAt(0, 0);
            segmentEnds[2 * i] = offset + weights;
            segmentEnds[2 * i + 1] = offset + count;
            layers.add(new LayerViews(w, b, weightGradient, NativeAddress.firstElement(w), NativeAddress.firstElement(weightGradient),
                    offset + weights, inputs, (int) w.size(1), ActivationKinds.plainRelu(conf.getActivationFn())));
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
        return a.ordering() == 'c' && a.elementWiseStride() == 1 && a.dataType() == DataType.FLOAT && !a.isView() ? a : a.castTo(DataType.FLOAT).dup('c');
    }

    private static boolean columnMajor(INDArray w) {
        return w.dataType() == DataType.FLOAT && w.rank() == 2 && w.stride(0) == 1 && w.stride(1) == w.size(0);
    }

    /**
     * The mean cross-entropy of the batch; leaves the summed gradient in {@link #gradient}. Each product goes where it
     * ran fastest for LeNet-300-100 on this project's AMD EPYC ({@code scripts/bench/run.sh denseproducts},
     * docs/results/speed.md): the forward products from {@value #FORWARD_THROUGH_ONEDNN_FROM} rows and the deltas
     * from {@value #DELTA_THROUGH_ONEDNN_FROM} rows through {@code Nd4j.gemm}, which libnd4j hands to oneDNN's
     * matmul, and the rest to OpenBLAS's {@code cblas_sgemm} directly, with the arguments libnd4j's OpenBLAS path
     * would pass. The weight gradients always go to OpenBLAS: oneDNN took 1.04 to 1.5 times as long for them. The
     * two libraries round their sums differently, so the batch size chooses the rounding as well.
     */
    private double forwardBackward(INDArray x, INDArray y, int rows) {
        var b = buffers.computeIfAbsent(rows, this::allocate);
        int last = layers.size() - 1;
        FloatPointer xRows = NativeAddress.firstElement(x);
        for (int i = 0; i <= last; i++) {
            var layer = layers.get(i);
            if (rows >= FORWARD_THROUGH_ONEDNN_FROM) {
                Nd4j.gemm(i == 0 ? x : b.activations()[i - 1], layer.weights(), b.activations()[i], false, false, 1.0, 0.0);
            } else {
                // z [rows, outputs] = input [rows, inputs] · W, with W read as Wᵀ's rows
                openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, openblas_nolapack.CblasTrans,
                        rows, layer.outputs(), layer.inputs(), 1f, i == 0 ? xRows : b.activationRows()[i - 1], layer.inputs(),
                        layer.weightRows(), layer.inputs(), 0f, b.activationRows()[i], layer.outputs());
            }
            addBias(b.activations()[i], layer.bias(), rows, layer.outputs(), layer.relu() && i < last, b.heap());
        }
        INDArray out = b.activations()[last];
        double loss = softmaxCrossEntropy(out, y, b.deltas()[last], rows, layers.get(last).outputs());
        for (int i = last; i >= 0; i--) {
            var layer = layers.get(i);
            FloatPointer delta = b.deltaRows()[i];
            FloatPointer below = i == 0 ? xRows : b.activationRows()[i - 1];
            // the weight gradient's Wᵀ rows [outputs, inputs] = deltaᵀ · below
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasTrans, openblas_nolapack.CblasNoTrans,
                    layer.outputs(), layer.inputs(), rows, 1f, delta, layer.outputs(), below, layer.inputs(),
                    0f, layer.weightGradientRows(), layer.inputs());
            columnSums(b.deltas()[i], rows, layer.outputs(), layer.biasGradientOffset(), b.heap());
            if (i > 0) {
                if (rows >= DELTA_THROUGH_ONEDNN_FROM) {
                    Nd4j.gemm(b.deltas()[i], layer.weights(), b.deltas()[i - 1], false, true, 1.0, 0.0);
                } else {
                    // the delta below [rows, inputs] = delta · Wᵀ
                    openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, openblas_nolapack.CblasNoTrans,
                            rows, layer.inputs(), layer.outputs(), 1f, delta, layer.outputs(), layer.weightRows(), layer.inputs(),
                            0f, b.deltaRows()[i - 1], layer.inputs());
                }
                if (layers.get(i - 1).relu()) {
                    reluBackward(b.deltas()[i - 1], b.activations()[i - 1], b.heap(), b.heapBelow());
                }
            }
        }
        Reference.reachabilityFence(x); // read natively above, where the collector cannot see it
        return loss;
    }

    private Buffers allocate(int rows) {
        var activations = new INDArray[layers.size()];
        var deltas = new INDArray[layers.size()];
        var activationRows = new FloatPointer[layers.size()];
        var deltaRows = new FloatPointer[layers.size()];
        int widest = 0;
        for (int i = 0; i < layers.size(); i++) {
            widest = Math.max(widest, layers.get(i).outputs());
            activations[i] = Nd4j.create(DataType.FLOAT, new long[]{rows, layers.get(i).outputs()}, 'c');
            deltas[i] = Nd4j.create(DataType.FLOAT, new long[]{rows, layers.get(i).outputs()}, 'c');
            activationRows[i] = NativeAddress.firstElement(activations[i]);
            deltaRows[i] = NativeAddress.firstElement(deltas[i]);
        }
        return new Buffers(activations, deltas, activationRows, deltaRows, new float[rows * widest], new float[rows * widest]);
    }

    private static FloatBuffer floats(INDArray a) {
        return a.data().asNioFloat();
    }

    /** {@code z += bias} in every row, then the ReLU where asked, through {@code heap}. */
    private static void addBias(INDArray z, INDArray bias, int rows, int cols, boolean relu, float[] heap) {
        FloatBuffer zb = floats(z);
        int n = rows * cols;
        zb.get(0, heap, 0, n);
        float[] b = values(bias, cols);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            if (relu) {
                for (int c = 0; c < cols; c++) {
                    float v = heap[base + c] + b[c];
                    heap[base + c] = v < 0f ? 0f : v;
                }
            } else {
                for (int c = 0; c < cols; c++) {
                    heap[base + c] += b[c];
                }
            }
        }
        zb.put(0, heap, 0, n);
    }

    /** A row vector's values, in a fresh array. */
    private static float[] values(INDArray row, int length) {
        FloatBuffer buffer = floats(row);
        int offset = (int) row.offset();
        long stride = row.elementWiseStride();
        float[] values = new float[length];
        if (stride == 1) {
            buffer.get(offset, values, 0, length);
        } else {
            for (int c = 0; c < length; c++) {
                values[c] = buffer.get(offset + (int) (c * stride));
            }
        }
        return values;
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

    /** The bias gradient: each column's sum over the rows, added up row after row as before, through {@code heap}. */
    private void columnSums(INDArray delta, int rows, int cols, long offset, float[] heap) {
        floats(delta).get(0, heap, 0, rows * cols);
        float[] sums = new float[cols];
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                sums[c] += heap[base + c];
            }
        }
        floats(gradient).put((int) offset, sums, 0, cols);
    }

    /** Zero the delta where the ReLU's output was zero, through {@code heap} and {@code heapBelow}. */
    private static void reluBackward(INDArray delta, INDArray activation, float[] heap, float[] heapBelow) {
        int n = (int) delta.length();
        FloatBuffer d = floats(delta);
        d.get(0, heap, 0, n);
        floats(activation).get(0, heapBelow, 0, n);
        for (int i = 0; i < n; i++) {
            heap[i] = heapBelow[i] <= 0f ? 0f : heap[i];
        }
        d.put(0, heap, 0, n);
    }

}
