package dev.secateur.finetune;

import dev.secateur.model.Network;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;
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
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;

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
                    undo.add(() -> {
                        handBack(swapped, original);
                        layerVertex.setLayer(original);
                        layers[at] = original;
                    });
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
                    undo.add(() -> {
                        handBack(swapped, original);
                        layers[at] = original;
                    });
                }
            }
        }
    }

    /**
     * The gradient view the network gave the stand-in (at its first fit, when it had none before), to the layer it
     * stood in for: a network sets its layers' views only then, and DL4J's layer writes its gradients there.
     */
    private static void handBack(Layer standIn, Layer original) {
        if (standIn.getGradientsViewArray() != null && standIn.getGradientsViewArray() != original.getGradientsViewArray()) {
            original.setBackpropGradientsViewArray(standIn.getGradientsViewArray());
        }
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

        // the activation's derivative needs the pre-activation; an identity passes the gradient through as it is
        INDArray delta = identity() ? epsilon
                : conf.getActivationFn().backprop(preOutput4d(true, true, workspaceMgr).getFirst(), epsilon).getFirst();
        // [outDepth, miniBatch·outH·outW], one row per filter
        INDArray delta2d = delta.permute(1, 0, 2, 3).dup('c').reshape('c', outDepth, miniBatch * outH * outW);

        // im2col laid out [miniBatch, outH, outW, inDepth, kH, kW], so that it reads as [positions, taps] without a copy
        INDArray columns = Nd4j.createUninitialized(dataType, new long[]{miniBatch, outH, outW, inDepth, kH, kW}, 'c');
        Convolution.im2col(x, kH, kW, strides[0], strides[1], pad[0], pad[1], dilation[0], dilation[1],
                convolutionMode == ConvolutionMode.Same, columns.permute(0, 3, 4, 5, 1, 2));
        INDArray columns2d = columns.reshape('c', miniBatch * outH * outW, inDepth * kH * kW);

        INDArray weightGradView = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray weightGrad2d = Shape.newShapeNoCopy(weightGradView, new long[]{outDepth, inDepth * kH * kW}, false);
        if (weightGrad2d == null) {
            return super.backpropGradient(epsilon, workspaceMgr); // a gradient view this class cannot write as a matrix
        }
        multiply(delta2d, columns2d, weightGrad2d);

        Gradient gradient = new DefaultGradient();
        if (conf.hasBias()) {
            INDArray biasGradView = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
            delta2d.sum(biasGradView, 1);
            gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
        }
        gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView, 'c');
        weightNoiseParams.clear();
        // no layer reads it, but the network hands it to the input's preprocessor: zeros of the input's shape
        return new Pair<>(gradient, workspaceMgr.create(ArrayType.ACTIVATION_GRAD, x.dataType(), x.shape(), 'c'));
    }

    /**
     * {@code c = a · b} for float matrices row after row: OpenBLAS's {@code sgemm} directly. ND4J's product goes
     * through oneDNN's matmul, which took about 9 ms for LeNet-5's [20 × 36,864] · [36,864 × 25], longer than the
     * backward-data pass this class skips.
     */
    private static void multiply(INDArray a, INDArray b, INDArray c) {
        boolean rowMajor = Stream.of(a, b, c).allMatch(m -> m.dataType() == DataType.FLOAT && m.ordering() == 'c'
                && Shape.hasDefaultStridesForShape(m));
        if (!rowMajor) {
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            return;
        }
        // a view's data buffer starts at the view's first element
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, openblas_nolapack.CblasNoTrans,
                (int) a.size(0), (int) b.size(1), (int) a.size(1), 1f, new FloatPointer(a.data().addressPointer()), (int) a.size(1),
                new FloatPointer(b.data().addressPointer()), (int) b.size(1), 0f, new FloatPointer(c.data().addressPointer()), (int) c.size(1));
        Reference.reachabilityFence(a); // read natively above, where the collector cannot see it
        Reference.reachabilityFence(b);
        Reference.reachabilityFence(c);
    }
}
