package dev.secateur.model.onnx;

import static dev.secateur.model.onnx.OnnxGraph.attribute;
import static dev.secateur.model.onnx.OnnxGraph.ints;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import onnx.Onnx.AttributeProto;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One DL4J layer as ONNX nodes. Each layer's nodes are named after it and write a tensor of its name; its
 * parameters become initializers {@code <layer>_W}, {@code <layer>_b}, {@code <layer>_gamma}, and so on, DL4J's
 * own keys. An activation folded into a layer follows it as a node of its own ({@code <layer>_act}).
 */
final class OnnxLayers {

    /** What {@link #emit} writes, for error messages. */
    static final String SUPPORTED = "DenseLayer, OutputLayer, ConvolutionLayer, DepthwiseConvolution2D, SubsamplingLayer (max, avg), "
            + "ZeroPaddingLayer, GlobalPoolingLayer (avg, max), BatchNormalization, ActivationLayer, DropoutLayer";

    private final OnnxGraph graph;

    OnnxLayers(OnnxGraph graph) {
        this.graph = graph;
    }

    /**
     * Why this layer has no ONNX form here, or empty when {@link #emit} writes it. Subclasses of the supported
     * layers (a {@code Deconvolution2D} is a {@code ConvolutionLayer}) are refused: they compute something else.
     */
    static Optional<String> refusal(Layer conf, InputType input) {
        Class<?> kind = conf.getClass();
        if (kind == DenseLayer.class && ((DenseLayer) conf).hasLayerNorm()) {
            return Optional.of("a DenseLayer with layer normalisation is not written as ONNX");
        }
        if ((kind == ConvolutionLayer.class || kind == DepthwiseConvolution2D.class)
                && ((ConvolutionLayer) conf).getCnn2dDataFormat() != CNN2DFormat.NCHW
                || kind == SubsamplingLayer.class && ((SubsamplingLayer) conf).getCnn2dDataFormat() != CNN2DFormat.NCHW
                || kind == ZeroPaddingLayer.class && ((ZeroPaddingLayer) conf).getDataFormat() != CNN2DFormat.NCHW
                || kind == BatchNormalization.class && input instanceof InputType.InputTypeConvolutional
                && ((BatchNormalization) conf).getCnn2DFormat() != CNN2DFormat.NCHW) {
            return Optional.of("only channels-first (NCHW) layers are written as ONNX; build the layer with dataFormat NCHW");
        }
        if ((kind == ConvolutionLayer.class || kind == DepthwiseConvolution2D.class)
                && ((ConvolutionLayer) conf).getConvolutionMode() == ConvolutionMode.Causal
                || kind == SubsamplingLayer.class && ((SubsamplingLayer) conf).getConvolutionMode() == ConvolutionMode.Causal) {
            return Optional.of("ConvolutionMode.Causal has no ONNX form; use Truncate or Same");
        }
        if (kind == SubsamplingLayer.class) {
            var pool = (SubsamplingLayer) conf;
            if (pool.getPoolingType() != PoolingType.MAX && pool.getPoolingType() != PoolingType.AVG) {
                return Optional.of(pool.getPoolingType() + " pooling is not written as ONNX; max and avg are");
            }
            if (pool.getPoolingType() == PoolingType.AVG && (pool.getDilation()[0] != 1 || pool.getDilation()[1] != 1)) {
                return Optional.of("dilated average pooling needs ONNX opset 19; Secateur writes opset 13");
            }
        }
        if (kind == GlobalPoolingLayer.class) {
            var pool = (GlobalPoolingLayer) conf;
            if (pool.getPoolingType() != PoolingType.MAX && pool.getPoolingType() != PoolingType.AVG) {
                return Optional.of("global " + pool.getPoolingType() + " pooling is not written as ONNX; max and avg are");
            }
            if (!(input instanceof InputType.InputTypeConvolutional)) {
                return Optional.of("global pooling is written as ONNX over images only (its input here is " + input + ")");
            }
            int[] dimensions = pool.getPoolingDimensions();
            if (dimensions != null && !Arrays.equals(dimensions, new int[]{2, 3})) {
                return Optional.of("global pooling over dimensions " + Arrays.toString(dimensions) + " is not written as ONNX; "
                        + "over height and width [2, 3] it is");
            }
        }
        boolean known = kind == DenseLayer.class || kind == OutputLayer.class || kind == ConvolutionLayer.class
                || kind == DepthwiseConvolution2D.class || kind == SubsamplingLayer.class || kind == ZeroPaddingLayer.class
                || kind == GlobalPoolingLayer.class || kind == BatchNormalization.class || kind == ActivationLayer.class
                || kind == DropoutLayer.class;
        if (!known) {
            return Optional.of("it has no ONNX form in Secateur's export; supported: " + SUPPORTED);
        }
        if (conf instanceof BaseLayer base && !(conf instanceof BatchNormalization)) {
            return OnnxActivations.refusal(base.getActivationFn());
        }
        if (conf instanceof ActivationLayer activation) {
            return OnnxActivations.refusal(activation.getActivationFn());
        }
        return Optional.empty();
    }

    /**
     * Writes the layer configured by {@code conf}, with parameters {@code params} by DL4J's keys ({@code W},
     * {@code b}), reading tensor {@code input} of DL4J type {@code type}, and returns the tensor it writes, named
     * {@code name}. The caller has checked {@link #refusal} first.
     */
    String emit(Layer conf, Map<String, INDArray> params, String name, String input, InputType type) {
        if (conf instanceof DepthwiseConvolution2D depthwise) {
            return activated(depthwise, name, depthwise(params, depthwise, name, input, (InputType.InputTypeConvolutional) type));
        } else if (conf instanceof ConvolutionLayer conv) {
            return activated(conv, name, convolution(params, conv, name, input, (InputType.InputTypeConvolutional) type));
        } else if (conf instanceof DenseLayer || conf instanceof OutputLayer) {
            var dense = (BaseLayer) conf;
            var inputs = new ArrayList<>(List.of(input, graph.floats(name + "_W", params.get("W"), params.get("W").shape())));
            if (params.containsKey("b")) {
                inputs.add(graph.floats(name + "_b", params.get("b"), params.get("b").length()));
            }
            // DL4J's W is [nIn, nOut], so y = xW + b is Gemm with transB = 0
            return activated(dense, name, graph.node("Gemm", name, linear(dense, name), inputs));
        } else if (conf instanceof SubsamplingLayer pool) {
            return pooling(pool, name, input, (InputType.InputTypeConvolutional) type);
        } else if (conf instanceof ZeroPaddingLayer padding) {
            int[] p = padding.getPadding(); // top, bottom, left, right
            String pads = graph.longs(name + "_pads", 0, 0, p[0], p[2], 0, 0, p[1], p[3]);
            return graph.node("Pad", name, name, List.of(input, pads));
        } else if (conf instanceof GlobalPoolingLayer pool) {
            String op = pool.getPoolingType() == PoolingType.MAX ? "GlobalMaxPool" : "GlobalAveragePool";
            if (!pool.isCollapseDimensions()) {
                return graph.node(op, name, name, List.of(input));
            }
            // DL4J collapses [N, C, 1, 1] to [N, C]
            String pooled = graph.node(op, name, name + "_pooled", List.of(input));
            return graph.node("Flatten", name + "_flatten", name, List.of(pooled), attribute("axis", 1L));
        } else if (conf instanceof BatchNormalization norm) {
            return batchNormalization(params, norm, name, input);
        } else if (conf instanceof ActivationLayer activation) {
            return OnnxActivations.emit(graph, activation.getActivationFn(), name, input, name, true);
        } else if (conf instanceof DropoutLayer) {
            return graph.node("Identity", name, name, List.of(input)); // dropout is off at inference
        }
        throw new IllegalArgumentException("no ONNX form for " + conf.getClass().getSimpleName());
    }

    /** The tensor a layer's own node writes: its name, or {@code <name>_linear} when an activation follows. */
    private static String linear(BaseLayer conf, String name) {
        return OnnxActivations.isIdentity(conf.getActivationFn()) ? name : name + "_linear";
    }

    private String activated(BaseLayer conf, String name, String linear) {
        return OnnxActivations.emit(graph, conf.getActivationFn(), name + "_act", linear, name, false);
    }

    private String convolution(Map<String, INDArray> params, ConvolutionLayer conf, String name, String input,
                               InputType.InputTypeConvolutional in) {
        INDArray w = params.get("W"); // [out, in, kH, kW], as ONNX has it
        var inputs = new ArrayList<>(List.of(input, graph.floats(name + "_W", w, w.shape())));
        if (conf.hasBias()) {
            inputs.add(graph.floats(name + "_b", params.get("b"), w.size(0)));
        }
        return graph.node("Conv", name, linear(conf, name), inputs, ints("kernel_shape", longs(conf.getKernelSize())),
                ints("strides", longs(conf.getStride())), ints("dilations", longs(conf.getDilation())),
                ints("pads", pads(conf.getConvolutionMode(), in, conf.getKernelSize(), conf.getStride(), conf.getDilation(),
                        conf.getPadding())), attribute("group", 1L));
    }

    /**
     * DL4J's depthwise weights are [kH, kW, in, multiplier] and output channel {@code c · multiplier + m} is
     * input channel c's filter m; ONNX's grouped Conv with one group per input channel reads [in · multiplier,
     * 1, kH, kW] in that same order.
     */
    private String depthwise(Map<String, INDArray> params, DepthwiseConvolution2D conf, String name, String input,
                             InputType.InputTypeConvolutional in) {
        INDArray w = params.get("W");
        long kH = w.size(0);
        long kW = w.size(1);
        long channels = w.size(2);
        long multiplier = w.size(3);
        var inputs = new ArrayList<>(List.of(input,
                graph.floats(name + "_W", w.permute(2, 3, 0, 1), channels * multiplier, 1, kH, kW)));
        if (conf.hasBias()) {
            inputs.add(graph.floats(name + "_b", params.get("b"), channels * multiplier));
        }
        return graph.node("Conv", name, linear(conf, name), inputs, ints("kernel_shape", kH, kW),
                ints("strides", longs(conf.getStride())), ints("dilations", longs(conf.getDilation())),
                ints("pads", pads(conf.getConvolutionMode(), in, conf.getKernelSize(), conf.getStride(), conf.getDilation(),
                        conf.getPadding())), attribute("group", channels));
    }

    private String pooling(SubsamplingLayer conf, String name, String input, InputType.InputTypeConvolutional in) {
        var attributes = new ArrayList<>(List.of(ints("kernel_shape", longs(conf.getKernelSize())),
                ints("strides", longs(conf.getStride())),
                ints("pads", pads(conf.getConvolutionMode(), in, conf.getKernelSize(), conf.getStride(), conf.getDilation(),
                        conf.getPadding()))));
        if (conf.getPoolingType() == PoolingType.MAX) {
            attributes.add(ints("dilations", longs(conf.getDilation())));
            return graph.node("MaxPool", name, name, List.of(input), attributes.toArray(AttributeProto[]::new));
        }
        attributes.add(attribute("count_include_pad", conf.isAvgPoolIncludePadInDivisor() ? 1L : 0L));
        return graph.node("AveragePool", name, name, List.of(input), attributes.toArray(AttributeProto[]::new));
    }

    /**
     * Inference batch normalisation: {@code gamma · (x − mean) / sqrt(var + eps) + beta}. DL4J keeps either the
     * variance or, by default ({@code useLogStd}), log10 of the standard deviation, from which the variance is
     * {@code (10^s)²}; with {@code lockGammaBeta} gamma and beta are constants of the configuration.
     */
    private String batchNormalization(Map<String, INDArray> params, BatchNormalization conf, String name, String input) {
        INDArray mean = params.get("mean");
        long channels = mean.length();
        INDArray variance = params.get("var");
        if (params.containsKey("log10stdev")) {
            INDArray std = Transforms.pow(Nd4j.valueArrayOf(mean.shape(), 10.0, DataType.FLOAT),
                    params.get("log10stdev").castTo(DataType.FLOAT), false);
            variance = std.mul(std);
        }
        INDArray gamma = conf.isLockGammaBeta() ? Nd4j.valueArrayOf(new long[]{channels}, conf.getGamma(), DataType.FLOAT) : params.get("gamma");
        INDArray beta = conf.isLockGammaBeta() ? Nd4j.valueArrayOf(new long[]{channels}, conf.getBeta(), DataType.FLOAT) : params.get("beta");
        // DL4J 1.0.0-M2.1 does not apply a BatchNormalization layer's configured activation (GraphStatisticsTest), so neither does this
        return graph.node("BatchNormalization", name, name, List.of(input, graph.floats(name + "_gamma", gamma, channels),
                graph.floats(name + "_beta", beta, channels), graph.floats(name + "_mean", mean, channels),
                graph.floats(name + "_var", variance, channels)), attribute("epsilon", (float) conf.getEps()));
    }

    /**
     * ONNX's pads, [top, left, bottom, right]. Truncate and Strict pad symmetrically by the layer's padding. Same
     * pads so that the output is ceil(in / stride), the smaller half on top and left, as DL4J does (the odd
     * row and column go to the bottom and right, which is also ONNX's SAME_UPPER).
     */
    static long[] pads(ConvolutionMode mode, InputType.InputTypeConvolutional in, int[] kernel, int[] stride, int[] dilation, int[] padding) {
        if (mode != ConvolutionMode.Same) {
            return new long[]{padding[0], padding[1], padding[0], padding[1]};
        }
        long[] size = {in.getHeight(), in.getWidth()};
        long[] pads = new long[4];
        for (int d = 0; d < 2; d++) {
            long out = (size[d] + stride[d] - 1) / stride[d];
            long extent = (long) (kernel[d] - 1) * dilation[d] + 1;
            long total = Math.max(0, (out - 1) * stride[d] + extent - size[d]);
            pads[d] = total / 2;
            pads[d + 2] = total - total / 2;
        }
        return pads;
    }

    private static long[] longs(int[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
