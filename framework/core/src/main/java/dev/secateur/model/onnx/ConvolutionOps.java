package dev.secateur.model.onnx;

import java.util.List;
import java.util.Arrays;
import dev.secateur.model.onnx.OnnxOps.Kind;
import dev.secateur.model.onnx.OnnxOps.Shape;
import dev.secateur.model.onnx.OnnxOps.Value;
import java.util.ArrayList;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The spatial ops: Conv (plain, depthwise, grouped), MaxPool, AveragePool and Pad. ONNX's padding may be
 * asymmetric or automatic; DL4J's layers pad symmetrically, so an asymmetric padding becomes a zero-padding
 * layer in front. A grouped convolution that is not depthwise becomes one convolution per group, each on a
 * slice of the channels, joined by a concatenation.
 */
final class ConvolutionOps {

    private final OnnxOps ops;

    ConvolutionOps(OnnxOps ops) {
        this.ops = ops;
    }

    /** Padding as ONNX orders it for 2-D: top, left, bottom, right. */
    private record Pads(int top, int left, int bottom, int right) {
        boolean symmetric() {
            return top == bottom && left == right;
        }
    }

    void conv(Onnx.NodeProto node, NodeAttributes a) {
        var x = image(node, a);
        var w = ops.floats(node, 1, "weights");
        if (w == null || w.rank() != 4) {
            throw a.refuse("has no 4-D weight initializer [out, in/group, kH, kW]; Secateur maps 2-D convolutions");
        }
        var bias = ops.floats(node, 2, "bias");
        int out = (int) w.size(0);
        int[] kernel = {(int) w.size(2), (int) w.size(3)};
        int[] strides = a.integers("strides", 2, 1);
        int[] dilations = a.integers("dilations", 2, 1);
        int group = (int) a.integer("group", 1);
        var shape = x.shape();
        var pads = pads(a, shape, kernel, strides, dilations);
        String input = x.vertex();
        if (!pads.symmetric()) {
            input = ops.addLayer(node, new ZeroPaddingLayer.Builder(pads.top(), pads.bottom(), pads.left(), pads.right()).build(), input,
                    shape = Shape.image(shape.channels(), shape.height() + pads.top() + pads.bottom(), shape.width() + pads.left() + pads.right())).name();
            pads = new Pads(0, 0, 0, 0);
        }
        int channels = (int) shape.channels();
        var result = Shape.image(out, size(shape.height(), kernel[0], strides[0], dilations[0], pads.top(), pads.bottom()),
                size(shape.width(), kernel[1], strides[1], dilations[1], pads.left(), pads.right()));
        if (result.height() < 1 || result.width() < 1) {
            throw a.refuse("would output " + result + " from an input of " + shape + "; the model does not fit its own input size");
        }
        int[] padding = {pads.top(), pads.left()};
        if (group == 1) {
            if (w.size(1) != channels) {
                throw a.refuse("has weights for " + w.size(1) + " input channels but reads a tensor of shape " + shape);
            }
            var layer = ops.addLayer(node, convolution(kernel, strides, dilations, padding, channels, out, bias != null), input, result);
            params(layer, w, bias);
        } else if (group == channels && w.size(1) == 1 && out % channels == 0) {
            int multiplier = out / channels;
            var layer = ops.addLayer(node, new DepthwiseConvolution2D.Builder(kernel).stride(strides).dilation(dilations).padding(padding)
                    .convolutionMode(ConvolutionMode.Truncate).depthMultiplier(multiplier).nIn(channels).nOut(out).hasBias(bias != null)
                    .activation(new ActivationIdentity()).build(), input, result);
            // ONNX's output channel c·m + j is DL4J's [kH, kW, c, j]
            params(layer, w.reshape(channels, multiplier, kernel[0], kernel[1]).permute(2, 3, 0, 1).dup('c'), bias);
        } else if (channels % group == 0 && out % group == 0 && w.size(1) == channels / group) {
            int in = channels / group;
            int per = out / group;
            var parts = new ArrayList<String>();
            for (int g = 0; g < group; g++) {
                var slice = ops.addVertex(node, "_group" + g, new ChannelSubsetVertex(g * in, (g + 1) * in - 1), List.of(input));
                var layer = ops.addLayer(node, convolution(kernel, strides, dilations, padding, in, per, bias != null), slice.name(),
                        Shape.image(per, result.height(), result.width()));
                params(layer, w.get(NDArrayIndex.interval(g * per, (g + 1) * per)).dup('c'),
                        bias == null ? null : bias.get(NDArrayIndex.interval(g * per, (g + 1) * per)).dup('c'));
                parts.add(layer.name());
            }
            var merged = ops.addVertex(node, "_groups", new MergeVertex(), parts);
            ops.put(node.getOutput(0), new Value(merged.name(), result));
        } else {
            throw a.refuse("has group=" + group + " with " + channels + " input channels and weights " + OnnxOps.dims(w.shape())
                    + ", which do not divide into groups");
        }
    }

    private static ConvolutionLayer convolution(int[] kernel, int[] strides, int[] dilations, int[] padding, int in, int out, boolean bias) {
        return new ConvolutionLayer.Builder(kernel).stride(strides).dilation(dilations).padding(padding)
                .convolutionMode(ConvolutionMode.Truncate).nIn(in).nOut(out).hasBias(bias).activation(new ActivationIdentity()).build();
    }

    private static void params(OnnxImporter.Vertex layer, INDArray w, INDArray bias) {
        layer.params().put("W", w);
        if (bias != null) {
            layer.params().put("b", bias.reshape(1, bias.length()));
        }
    }

    void pool(Onnx.NodeProto node, NodeAttributes a) {
        var x = image(node, a);
        if (!a.has("kernel_shape")) {
            throw a.refuse("has no kernel_shape");
        }
        int[] kernel = a.integers("kernel_shape", 2, 1);
        int[] strides = a.integers("strides", 2, 1);
        int[] dilations = a.integers("dilations", 2, 1);
        if (kernel.length != 2 || dilations[0] != 1 || dilations[1] != 1 || a.integer("storage_order", 0) != 0) {
            throw a.refuse("is not a plain 2-D pooling (kernel " + Arrays.toString(kernel) + ", dilations "
                    + Arrays.toString(dilations) + "); Secateur maps 2-D pooling without dilation");
        }
        var shape = x.shape();
        var pads = pads(a, shape, kernel, strides, dilations);
        if (!pads.symmetric()) {
            throw a.refuse("pads asymmetrically (" + pads + "); Secateur maps pooling with equal padding on both sides");
        }
        long height = size(shape.height(), kernel[0], strides[0], 1, pads.top(), pads.bottom());
        long width = size(shape.width(), kernel[1], strides[1], 1, pads.left(), pads.right());
        if (a.integer("ceil_mode", 0) != 0 && (ceil(shape.height(), kernel[0], strides[0], pads.top() * 2) != height
                || ceil(shape.width(), kernel[1], strides[1], pads.left() * 2) != width)) {
            throw a.refuse("rounds its output size up (ceil_mode=1), which changes the output here; export with ceil_mode=False");
        }
        boolean max = node.getOpType().equals("MaxPool");
        var builder = new SubsamplingLayer.Builder(max ? SubsamplingLayer.PoolingType.MAX : SubsamplingLayer.PoolingType.AVG)
                .kernelSize(kernel).stride(strides).padding(pads.top(), pads.left()).convolutionMode(ConvolutionMode.Truncate);
        if (!max) {
            builder.avgPoolIncludePadInDivisor(a.integer("count_include_pad", 0) != 0);
        }
        ops.addLayer(node, builder.build(), x.vertex(), Shape.image(shape.channels(), height, width));
    }

    /** Pad with zeros around the image: a zero-padding layer. */
    void pad(Onnx.NodeProto node, NodeAttributes a) {
        var x = image(node, a);
        if (!a.text("mode", "constant").equals("constant")) {
            throw a.refuse("pads in mode '" + a.text("mode", "constant") + "'; Secateur maps constant (zero) padding");
        }
        var pads = ops.constant(node, 1, "pads");
        var value = ops.constant(node, 2, "padding value");
        if (value != null && value.floats() != null && value.floats().getDouble(0) != 0) {
            throw a.refuse("pads with " + value.floats().getDouble(0) + "; Secateur maps zero padding");
        }
        long[] p = pads == null ? null : pads.ints();
        if (p == null || p.length != 8 || p[0] != 0 || p[1] != 0 || p[4] != 0 || p[5] != 0
                || Arrays.stream(p).anyMatch(v -> v < 0) || node.getInputCount() > 3 && !node.getInput(3).isEmpty()) {
            throw a.refuse("pads " + (p == null ? "by computed amounts" : OnnxOps.dims(p)) + "; Secateur maps non-negative padding of height and width only");
        }
        var shape = x.shape();
        ops.addLayer(node, new ZeroPaddingLayer.Builder((int) p[2], (int) p[6], (int) p[3], (int) p[7]).build(), x.vertex(),
                Shape.image(shape.channels(), shape.height() + p[2] + p[6], shape.width() + p[3] + p[7]));
    }

    private Value image(Onnx.NodeProto node, NodeAttributes a) {
        var x = ops.value(node.getInput(0), "node '" + node.getName() + "'");
        if (x.shape().kind() != Kind.IMAGE) {
            throw a.refuse("reads a tensor of shape " + x.shape() + "; it needs an image [N, C, H, W]");
        }
        return x;
    }

    /** Explicit pads, or those that auto_pad implies for this input. */
    private static Pads pads(NodeAttributes a, Shape shape, int[] kernel, int[] strides, int[] dilations) {
        String auto = a.text("auto_pad", "NOTSET");
        switch (auto) {
            case "NOTSET" -> {
                int[] p = a.integers("pads", 4, 0);
                if (p.length != 4) {
                    throw a.refuse("has " + p.length + " pads; 2-D layers take 4");
                }
                return new Pads(p[0], p[1], p[2], p[3]);
            }
            case "VALID" -> {
                return new Pads(0, 0, 0, 0);
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                int h = same(shape.height(), kernel[0], strides[0], dilations[0]);
                int w = same(shape.width(), kernel[1], strides[1], dilations[1]);
                // SAME_UPPER puts the odd pixel at the end, SAME_LOWER at the beginning
                return auto.equals("SAME_UPPER") ? new Pads(h / 2, w / 2, h - h / 2, w - w / 2) : new Pads(h - h / 2, w - w / 2, h / 2, w / 2);
            }
            default -> throw a.refuse("has auto_pad '" + auto + "'; ONNX defines NOTSET, VALID, SAME_UPPER and SAME_LOWER");
        }
    }

    private static int same(long in, int kernel, int stride, int dilation) {
        long out = (in + stride - 1) / stride;
        return (int) Math.max(0, (out - 1) * stride + (long) dilation * (kernel - 1) + 1 - in);
    }

    private static long size(long in, int kernel, int stride, int dilation, int before, int after) {
        return Math.floorDiv(in + before + after - (long) dilation * (kernel - 1) - 1, stride) + 1;
    }

    private static long ceil(long in, int kernel, int stride, int pads) {
        return Math.floorDiv(in + pads - kernel + stride - 1, stride) + 1;
    }
}
