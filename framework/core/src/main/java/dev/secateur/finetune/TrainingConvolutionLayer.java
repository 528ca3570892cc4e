package dev.secateur.finetune;

import dev.secateur.model.NativeAddress;
import dev.secateur.model.Network;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's convolution as {@link FineTuner} trains it, without two pieces of work DL4J does and PyTorch does not
 * (docs/results/speed.md):
 * <ul>
 *   <li>Its backward pass runs the forward convolution again, only to hand its output to the activation's derivative.
 *       An identity activation, which every built-in convolution has, needs none, so it is not run.</li>
 *   <li>It computes the gradient of its input even where no layer lies below to read it, as PyTorch's autograd does
 *       not for an input that requires none. A convolution that reads the network's input computes only its weight
 *       gradient, as the input's im2col times the deltas, and its bias gradient, their sum: for a single input
 *       channel, oneDNN's backward-data pass of the first convolution was the slowest op of LeNet-5's training.
 *       These sums round otherwise than oneDNN's backward-weights pass, as any other order of them would.</li>
 * </ul>
 * It stands in for DL4J's layer only while training runs ({@link #during}), sharing its configuration, parameters and
 * gradient views, so the updater, the masks and a saved model see no difference.
 */
final class TrainingConvolutionLayer extends ConvolutionLayer {

    /** {@code -Dsecateur.training.dl4jConvolutions=true} trains with DL4J's own layers. */
    static final String PROPERTY = "secateur.training.dl4jConvolutions";

    /** True when the layer reads the network's input, so no input gradient is wanted. */
    private final boolean readsInput;
    /** During {@link #backpropGradient} with an identity activation: the gradient, standing in for the pre-activation. */
    private INDArray pendingEpsilon;
    /** Forward convolutions this layer has run: one a batch in training, where DL4J's layer runs two (read by tests). */
    int forwardPasses;
    /** The most floats of patches built at once (64 MB): LeNet-5's batch of 64 needs 921,600. Tests lower it. */
    static long patchFloats = 1L << 24;
    /** The input's patches for the weight gradient of a layer reading the network's input, kept from batch to batch. */
    private float[] patchRows;
    private FloatPointer nativePatches;

    private TrainingConvolutionLayer(ConvolutionLayer original, boolean readsInput) {
        super(original.conf(), original.getDataType());
        this.readsInput = readsInput;
        setIndex(original.getIndex());
        // the same parameter arrays, and the same flattened view, which a graph's updater counts the layer's parameters by
        setParamTable(original.paramTable());
        paramsFlattened = original.params();
        if (original.getGradientsViewArray() != null) {
            setBackpropGradientsViewArray(original.getGradientsViewArray()); // else the network sets it at its first fit
        }
        setListeners(original.getListeners());
        setCacheMode(original.getCacheMode());
        setIterationCount(original.getIterationCount());
        setEpochCount(original.getEpochCount());
    }

    /** The layers swapped in by {@link #during}; closing puts DL4J's back. */
    interface Swap extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Puts a {@code TrainingConvolutionLayer} in place of each plain convolution of {@code net} that it would train
     * with less work, until the returned swap is closed.
     */
    static Swap during(Network net) {
        if (Boolean.parseBoolean(System.getProperty(PROPERTY, "false"))) {
            return () -> { };
        }
        var undo = new ArrayList<Runnable>();
        Swap swap = () -> undo.forEach(Runnable::run);
        try {
            swapIn(net, undo);
        } catch (RuntimeException e) {
            swap.close(); // what was swapped in before the failure goes back
            throw e;
        }
        return swap;
    }

    private static void swapIn(Network net, List<Runnable> undo) {
        if (net.isGraph()) {
            var graph = net.graph();
            var inputs = new HashSet<>(graph.getConfiguration().getNetworkInputs());
            var layers = graph.getLayers();
            for (var vertex : graph.getVertices()) {
                var swapped = vertex instanceof LayerVertex
                        ? standIn(vertex.getLayer(), inputs.containsAll(graph.getConfiguration().getVertexInputs().get(vertex.getVertexName())))
                        : null;
                if (swapped != null) {
                    var layerVertex = (LayerVertex) vertex;
                    var original = vertex.getLayer();
                    int at = List.of(layers).indexOf(original);
                    layerVertex.setLayer(swapped);
                    layers[at] = swapped;
                    undo.add(() -> swapped.putBack(original, () -> {
                        layerVertex.setLayer(original);
                        layers[at] = original;
                    }));
                }
            }
        } else {
            var layers = net.sequential("training").getLayers();
            for (int i = 0; i < layers.length; i++) {
                var swapped = standIn(layers[i], i == 0);
                if (swapped != null) {
                    var original = layers[i];
                    int at = i;
                    layers[at] = swapped;
                    undo.add(() -> swapped.putBack(original, () -> layers[at] = original));
                }
            }
        }
    }

    /**
     * Puts {@code original} back in this stand-in's place ({@code restore}), with the gradient view the network gave
     * the stand-in (at its first fit, when it had none before): a network sets its layers' views only then, and DL4J's
     * layer writes its gradients there. The patches are freed.
     */
    private void putBack(Layer original, Runnable restore) {
        if (getGradientsViewArray() != null && getGradientsViewArray() != original.getGradientsViewArray()) {
            original.setBackpropGradientsViewArray(getGradientsViewArray());
        }
        release();
        restore.run();
    }

    /** The stand-in for {@code layer}, or null where it would not save work or not compute as DL4J does. */
    private static TrainingConvolutionLayer standIn(Layer layer, boolean readsInput) {
        // DL4J's plain 2-D convolution by its exact class: its subclasses lay their weights or inputs out otherwise
        if (layer == null || layer.getClass() != ConvolutionLayer.class) {
            return null;
        }
        var standIn = new TrainingConvolutionLayer((ConvolutionLayer) layer, readsInput);
        var conf = standIn.layerConf();
        boolean plain = conf.getCnn2dDataFormat() == CNN2DFormat.NCHW && conf.getIDropout() == null && conf.getWeightNoise() == null;
        return plain && (readsInput || standIn.identity()) ? standIn : null;
    }

    private boolean identity() {
        return layerConf().getActivationFn() instanceof ActivationIdentity;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (readsInput) {
            return weightGradients(epsilon, workspaceMgr);
        }
        pendingEpsilon = epsilon; // DL4J's pass asks preOutput4d for the pre-activation, which an identity ignores
        try {
            return super.backpropGradient(epsilon, workspaceMgr);
        } finally {
            pendingEpsilon = null;
        }
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput4d(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        if (forBackprop && pendingEpsilon != null) {
            // an array of the pre-activation's shape, with no im2col to reuse: the identity's derivative passes the
            // gradient through and the shape check holds
            return new Pair<>(pendingEpsilon, null);
        }
        return super.preOutput4d(training, forBackprop, workspaceMgr);
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        forwardPasses++;
        return super.preOutput(training, forBackprop, workspaceMgr);
    }

    /** This layer's weight and bias gradients, and zeros for the input gradient no layer reads. */
    private Pair<Gradient, INDArray> weightGradients(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray x = input.castTo(dataType);
        INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
        var conf = layerConf();
        long miniBatch = x.size(0);
        long outDepth = weights.size(0);
        long inDepth = weights.size(1);
        int kH = (int) weights.size(2);
        int kW = (int) weights.size(3);
        int[] dilation = conf.getDilation();
        int[] strides = conf.getStride();
        int[] kernel = conf.getKernelSize();
        int[] pad;
        int[] outSize;
        if (convolutionMode == ConvolutionMode.Same) {
            outSize = ConvolutionUtils.getOutputSize(x, kernel, strides, null, convolutionMode, dilation, CNN2DFormat.NCHW);
            pad = ConvolutionUtils.getSameModeTopLeftPadding(outSize, new int[]{(int) x.size(2), (int) x.size(3)}, kernel, strides, dilation);
        } else {
            pad = conf.getPadding();
            outSize = ConvolutionUtils.getOutputSize(x, kernel, strides, pad, convolutionMode, dilation, CNN2DFormat.NCHW);
        }
        long outH = outSize[0];
        long outW = outSize[1];

        INDArray weightGradView = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
        if (!rowMajorFloats(weightGradView) || x.dataType() != DataType.FLOAT || miniBatch == 0) {
            // a double network, a view not laid out as a matrix, or no example: DL4J's pass, input gradient and all
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        // the activation's derivative needs the pre-activation; an identity passes the gradient through as it is
        INDArray delta = identity() ? epsilon
                : conf.getActivationFn().backprop(preOutput4d(true, true, workspaceMgr).getFirst(), epsilon).getFirst();
        // the deltas example after example, each a matrix [outDepth, outH·outW]
        INDArray deltas = rowMajorFloats(delta) ? delta : delta.castTo(DataType.FLOAT).dup('c');
        int examples = (int) miniBatch;
        int positions = (int) (outH * outW);
        int taps = (int) (inDepth * kH * kW);
        var shape = new Patches((int) inDepth, (int) x.size(2), (int) x.size(3), (int) outH, (int) outW, kH, kW, strides, pad, dilation);
        float[] images = x.dup('c').data().asFloat();
        // gradient = Σ over examples of deltas · patchesᵀ: [outDepth, positions] · [taps, positions]ᵀ, summed by
        // OpenBLAS (beta 1) into the gradient view; ND4J's product would go through oneDNN's matmul, slower for this
        // shape than the backward-data pass skipped (DNNL_VERBOSE)
        var gradientMatrix = NativeAddress.firstElement(weightGradView);
        var deltaMatrix = NativeAddress.firstElement(deltas);
        // the patches of a few examples at a time, so that large images need no im2col of the whole batch
        int chunk = (int) Math.max(1, Math.min(examples, patchFloats / ((long) positions * taps)));
        for (int first = 0; first < examples; first += chunk) {
            int count = Math.min(chunk, examples - first);
            FloatPointer patches = patches(images, shape, first, count);
            for (int k = 0; k < count; k++) {
                int example = first + k;
                openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, openblas_nolapack.CblasTrans,
                        (int) outDepth, taps, positions, 1f, deltaMatrix.position((long) example * outDepth * positions), positions,
                        patches.position((long) k * positions * taps), positions, example == 0 ? 0f : 1f, gradientMatrix, taps);
            }
            patches.position(0);
        }
        Reference.reachabilityFence(deltas); // read natively above, where the collector cannot see it
        Reference.reachabilityFence(weightGradView);

        Gradient gradient = new DefaultGradient();
        if (conf.hasBias()) {
            INDArray biasGradView = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
            biasGradView.assign(deltas.sum(0, 2, 3).reshape(biasGradView.shape()));
            gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
        }
        gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
        weightNoiseParams.clear();
        // no layer reads it, but the network hands it to the input's preprocessor: zeros of the input's shape
        return new Pair<>(gradient, workspaceMgr.create(ArrayType.ACTIVATION_GRAD, x.dataType(), x.shape(), 'c'));
    }

    /**
     * Floats laid out densely in row-major order from the array's first element. Checked on the strides themselves:
     * ND4J's own test calls a weight view [20, 1, 5, 5] with strides [25, 25, 5, 1] not default.
     */
    private static boolean rowMajorFloats(INDArray a) {
        if (a.dataType() != DataType.FLOAT) {
            return false;
        }
        long dense = 1;
        for (int i = a.rank() - 1; i >= 0; i--) {
            if (a.size(i) != 1 && a.stride(i) != dense) {
                return false;
            }
            dense *= a.size(i);
        }
        return true;
    }

    /** The geometry of one example's patches. */
    private record Patches(int channels, int inH, int inW, int outH, int outW, int kH, int kW, int[] stride, int[] pad, int[] dilation) {
        int perExample() {
            return outH * outW * channels * kH * kW;
        }
    }

    /**
     * The input's patches (im2col) for {@code count} examples from {@code first}, example after example, tap after
     * tap, output position after position ({@code [count, channels·kH·kW, outH·outW]}), taps outside the image 0,
     * copied into native memory kept for the next batch. Built in Java, a row of output positions at a time: at
     * stride 1 the inputs a tap reads along a row lie side by side, so each row is one copy; OpenBLAS reads the
     * layout transposed, so the deltas multiply where they lie. A first version with ND4J's im2col into a permuted
     * layout and a transposed copy of the deltas cost more than the backward-data pass it replaced
     * (docs/results/speed.md).
     */
    private FloatPointer patches(float[] in, Patches p, int first, int count) {
        int length = count * p.perExample();
        if (patchRows == null || patchRows.length < length) {
            patchRows = new float[length];
            if (nativePatches != null) {
                nativePatches.close();
            }
            nativePatches = new FloatPointer(length);
        }
        float[] out = patchRows;
        int at = 0;
        int plane = p.inH() * p.inW();
        int outH = p.outH();
        int outW = p.outW();
        int strideX = p.stride()[1];
        for (int example = first; example < first + count; example++) {
            for (int c = 0; c < p.channels(); c++) {
                int base = (example * p.channels() + c) * plane;
                for (int ky = 0; ky < p.kH(); ky++) {
                    for (int kx = 0; kx < p.kW(); kx++) {
                        int shiftX = kx * p.dilation()[1] - p.pad()[1]; // ix = ox·strideX + shiftX
                        // the output columns whose input column lies inside the image
                        int from = Math.min(outW, Math.max(0, Math.floorDiv(-shiftX + strideX - 1, strideX)));
                        int to = Math.max(from, Math.min(outW, Math.floorDiv(p.inW() - 1 - shiftX, strideX) + 1));
                        for (int oy = 0; oy < outH; oy++, at += outW) {
                            int iy = oy * p.stride()[0] + ky * p.dilation()[0] - p.pad()[0];
                            if (iy < 0 || iy >= p.inH()) {
                                Arrays.fill(out, at, at + outW, 0f);
                                continue;
                            }
                            Arrays.fill(out, at, at + from, 0f);
                            int row = base + iy * p.inW() + shiftX;
                            if (strideX == 1) {
                                System.arraycopy(in, row + from, out, at + from, to - from);
                            } else {
                                for (int ox = from; ox < to; ox++) {
                                    out[at + ox] = in[row + ox * strideX];
                                }
                            }
                            Arrays.fill(out, at + to, at + outW, 0f);
                        }
                    }
                }
            }
        }
        nativePatches.position(0).put(out, 0, length);
        return nativePatches;
    }

    /** Frees the patches now: the native ones rather than when the collector gets to them. */
    private void release() {
        if (nativePatches != null) {
            nativePatches.close();
            nativePatches = null;
        }
        patchRows = null;
    }
}
