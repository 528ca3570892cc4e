package dev.secateur.finetune;

import java.lang.ref.Reference;
import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's max pooling as {@link FineTuner} trains it, computed in Java. DL4J's oneDNN helper pools each batch three
 * times (forward for the activations, forward again in the backward pass to find where the maxima were, then
 * backward), each behind a layout conversion; PyTorch keeps the maxima's positions from its forward pass, as this
 * layer does, and scatters the gradient to them. The result is DL4J's exactly: the same maxima, the first one in
 * the window on a tie, as oneDNN takes.
 */
final class TrainingPoolingLayer extends SubsamplingLayer implements TrainingLayers.StandIn {

    /** {@code -Dsecateur.training.dl4jPooling=true} trains with DL4J's own pooling layers. */
    static final String PROPERTY = "secateur.training.dl4jPooling";

    /** For each output of the last forward pass, the offset in the input of the maximum it took. */
    private int[] maxAt = new int[0];
    /** The input {@link #maxAt} was found in. */
    private INDArray maxAtInput;
    private float[] inputs = new float[0];
    private float[] outputs = new float[0];
    private float[] deltas = new float[0];
    private float[] gradients = new float[0];
    /** Forward poolings this layer has run: one a batch in training (read by tests). */
    int forwardPasses;

    private TrainingPoolingLayer(SubsamplingLayer original) {
        super(original.conf(), original.getDataType());
        setIndex(original.getIndex());
        setListeners(original.getListeners());
        setCacheMode(original.getCacheMode());
        setIterationCount(original.getIterationCount());
        setEpochCount(original.getEpochCount());
    }

    /** The stand-in for {@code layer}, or null where DL4J's own pooling is kept: anything but plain NCHW max pooling of floats. */
    static TrainingPoolingLayer standIn(Layer layer) {
        if (Boolean.parseBoolean(System.getProperty(PROPERTY, "false")) || layer == null || layer.getClass() != SubsamplingLayer.class) {
            return null;
        }
        var pooling = (SubsamplingLayer) layer;
        var conf = pooling.layerConf();
        var mode = conf.getConvolutionMode();
        boolean plain = conf.getPoolingType() == PoolingType.MAX && conf.getCnn2dDataFormat() == CNN2DFormat.NCHW
                && Arrays.equals(conf.getDilation(), new int[]{1, 1}) && pooling.getDataType() == DataType.FLOAT
                && (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict || mode == ConvolutionMode.Same);
        return plain ? new TrainingPoolingLayer(pooling) : null;
    }

    @Override
    public void putBack(Layer original, Runnable restore) {
        maxAt = new int[0];
        maxAtInput = null;
        inputs = outputs = deltas = gradients = new float[0];
        restore.run();
    }

    /** One example's geometry: channels of inH × inW pooled to outH × outW. */
    private record Geometry(int planes, int inH, int inW, int outH, int outW, int[] kernel, int[] stride, int[] pad) {
        int inputs() {
            return planes * inH * inW;
        }

        int outputs() {
            return planes * outH * outW;
        }
    }

    /** As DL4J's layer computes them, padding included; null for an input this layer leaves to DL4J. */
    private Geometry geometry(INDArray x) {
        if (x.rank() != 4 || x.dataType() != DataType.FLOAT || x.length() > Integer.MAX_VALUE) {
            return null;
        }
        var conf = layerConf();
        int[] kernel = conf.getKernelSize();
        int[] stride = conf.getStride();
        int[] dilation = conf.getDilation();
        int inH = (int) x.size(2);
        int inW = (int) x.size(3);
        int[] pad;
        int[] outSize;
        if (convolutionMode == ConvolutionMode.Same) {
            outSize = ConvolutionUtils.getOutputSize(x, kernel, stride, null, convolutionMode, dilation, CNN2DFormat.NCHW);
            pad = ConvolutionUtils.getSameModeTopLeftPadding(outSize, new int[]{inH, inW}, kernel, stride, dilation);
        } else {
            pad = conf.getPadding();
            outSize = ConvolutionUtils.getOutputSize(x, kernel, stride, pad, convolutionMode, dilation, CNN2DFormat.NCHW);
        }
        if (pad[0] >= kernel[0] || pad[1] >= kernel[1]) {
            return null; // a window of padding alone: DL4J's
        }
        return new Geometry((int) (x.size(0) * x.size(1)), inH, inW, outSize[0], outSize[1], kernel, stride, pad);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        var g = geometry(input);
        if (g == null) {
            return super.activate(training, workspaceMgr);
        }
        pool(g);
        INDArray output = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[]{input.size(0), input.size(1), g.outH(), g.outW()}, 'c');
        new FloatPointer(output.data().addressPointer()).put(outputs, 0, g.outputs());
        return output;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        var g = geometry(input);
        if (g == null || epsilon.dataType() != DataType.FLOAT) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        if (maxAtInput != input) {
            pool(g); // the backward pass of an input this layer did not pool last
        }
        int n = g.outputs();
        float[] deltas = read(epsilon, n, this.deltas);
        this.deltas = deltas;
        if (gradients.length < g.inputs()) {
            gradients = new float[g.inputs()];
        } else {
            Arrays.fill(gradients, 0, g.inputs(), 0f);
        }
        int[] at = maxAt;
        float[] grad = gradients;
        for (int o = 0; o < n; o++) {
            grad[at[o]] += deltas[o]; // windows may overlap: a position that is the maximum of two takes both gradients
        }
        INDArray inputGradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        new FloatPointer(inputGradient.data().addressPointer()).put(grad, 0, g.inputs());
        return new Pair<>(new DefaultGradient(), inputGradient);
    }

    /** Pools {@link #input} into {@link #outputs}, keeping where each maximum was in {@link #maxAt}. */
    private void pool(Geometry g) {
        forwardPasses++;
        int n = g.outputs();
        if (outputs.length < n) {
            outputs = new float[n];
            maxAt = new int[n];
        }
        float[] in = read(input, g.inputs(), inputs);
        inputs = in;
        float[] out = outputs;
        int[] at = maxAt;
        int inH = g.inH();
        int inW = g.inW();
        int kH = g.kernel()[0];
        int kW = g.kernel()[1];
        int sH = g.stride()[0];
        int sW = g.stride()[1];
        int o = 0;
        for (int plane = 0; plane < g.planes(); plane++) {
            int base = plane * inH * inW;
            for (int oy = 0; oy < g.outH(); oy++) {
                int y0 = Math.max(0, oy * sH - g.pad()[0]);
                int y1 = Math.min(inH, oy * sH - g.pad()[0] + kH);
                for (int ox = 0; ox < g.outW(); ox++) {
                    int x0 = Math.max(0, ox * sW - g.pad()[1]);
                    int x1 = Math.min(inW, ox * sW - g.pad()[1] + kW);
                    int best = base + y0 * inW + x0;
                    float max = in[best];
                    for (int y = y0; y < y1; y++) {
                        int row = base + y * inW;
                        for (int x = x0; x < x1; x++) {
                            if (in[row + x] > max) { // strictly: the first maximum of the window stays, as in oneDNN
                                max = in[row + x];
                                best = row + x;
                            }
                        }
                    }
                    out[o] = max;
                    at[o++] = best;
                }
            }
        }
        maxAtInput = input;
    }

    /** The first {@code n} floats of {@code a} in row-major order, into {@code buffer} where it is large enough. */
    private static float[] read(INDArray a, int n, float[] buffer) {
        INDArray dense = TrainingConvolutionLayer.rowMajorFloats(a) ? a : a.castTo(DataType.FLOAT).dup('c');
        float[] out = buffer.length >= n ? buffer : new float[n];
        new FloatPointer(dense.data().addressPointer()).get(out, 0, n);
        Reference.reachabilityFence(dense);
        return out;
    }
}
