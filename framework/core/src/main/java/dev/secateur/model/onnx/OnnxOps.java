package dev.secateur.model.onnx;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import java.util.Arrays;
import dev.secateur.errors.BadInputException;
import dev.secateur.model.ActivationHardSwish;
import dev.secateur.model.onnx.OnnxImporter.Mapping;
import dev.secateur.model.onnx.OnnxImporter.Vertex;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The op table: how each ONNX node becomes DL4J layers and vertices. Tensors are followed with their
 * shapes, so every layer gets its sizes from the file and a mismatch is named where it arises. An
 * activation right after the only reader of a layer's output folds into that layer; Identity, Dropout,
 * Flatten and a Reshape that flattens are no-ops on DL4J's side, which flattens before a dense layer
 * itself.
 */
final class OnnxOps {

    static final String INPUT = "input";

    /** Every op the table maps, for the refusal of the others. */
    static final List<String> SUPPORTED = List.of("Conv", "Gemm", "MatMul", "Add", "BatchNormalization", "Relu", "LeakyRelu",
            "Sigmoid", "Tanh", "Clip", "HardSwish", "HardSigmoid", "Mul (x · HardSigmoid(x) only)", "Softmax", "LogSoftmax", "MaxPool", "AveragePool", "GlobalAveragePool",
            "GlobalMaxPool", "Concat", "Flatten", "Reshape", "Pad", "Identity", "Dropout", "Constant");

    private static final Set<String> AFTER_HEAD = Set.of("Softmax", "LogSoftmax", "Identity", "Dropout");

    /** How a tensor is laid out: an image [C, H, W], a row of features, or ONNX's [C, 1, 1] after global pooling that DL4J holds as a row. */
    enum Kind { IMAGE, FLAT, POOLED }

    /** A tensor's shape per example. For FLAT and POOLED, {@code channels} is the number of features. */
    record Shape(Kind kind, long channels, long height, long width) {
        static Shape image(long c, long h, long w) {
            return new Shape(Kind.IMAGE, c, h, w);
        }

        static Shape flat(long features) {
            return new Shape(Kind.FLAT, features, 1, 1);
        }

        long features() {
            return channels * height * width;
        }

        @Override
        public String toString() {
            return kind == Kind.IMAGE ? "[N, " + channels + ", " + height + ", " + width + "]"
                    : kind == Kind.POOLED ? "[N, " + channels + ", 1, 1]" : "[N, " + channels + "]";
        }
    }

    /** A tensor as the mapping sees it: the DL4J vertex that computes it, and its shape. */
    record Value(String vertex, Shape shape) {
    }

    final OnnxFile onnx;
    private final Map<String, Value> values = new HashMap<>();
    private final Map<String, Integer> readers;
    final List<Vertex> vertices = new ArrayList<>();
    private final Map<String, Vertex> byName = new HashMap<>();
    /** The tensor each layer computes itself, before any no-op renames it: only there can an activation or a bias fold in. */
    private final Map<String, String> direct = new HashMap<>();
    private final ConvolutionOps convolutions = new ConvolutionOps(this);
    private final DenseOps dense = new DenseOps(this);
    private final ActivationOps activations = new ActivationOps(this);
    private int layers;
    private Onnx.NodeProto head;

    OnnxOps(OnnxFile onnx) {
        this.onnx = onnx;
        this.readers = onnx.readers();
    }

    Mapping map() {
        var inputShape = inputShape();
        values.put(onnx.input(), new Value(INPUT, inputShape));
        head = head();
        for (var node : onnx.nodes()) {
            map(node);
        }
        var output = value(onnx.output(), "the graph's output");
        var last = byName.get(output.vertex());
        if (last == null || !(last.layer() instanceof OutputLayer)) {
            throw new BadInputException(onnx.origin() + ": the graph's output '" + onnx.output() + "' is not computed by its classifier head");
        }
        var type = inputShape.kind() == Kind.IMAGE
                ? InputType.convolutionalFlat(inputShape.height(), inputShape.width(), inputShape.channels())
                : InputType.feedForward(inputShape.channels());
        return new Mapping(type, vertices, output.vertex());
    }

    private Shape inputShape() {
        long[] dims = onnx.inputShape();
        boolean fixed = dims.length > 1 && Arrays.stream(dims, 1, dims.length).allMatch(d -> d > 0);
        if (fixed && dims.length == 4) {
            return Shape.image(dims[1], dims[2], dims[3]);
        }
        if (fixed && dims.length == 2) {
            return Shape.flat(dims[1]);
        }
        throw new BadInputException(onnx.origin() + ": input '" + onnx.input() + "' has shape " + dims(dims) + "; Secateur reads images "
                + "[N, C, H, W] or feature rows [N, F] with fixed sizes after the batch, so export with a fixed-size example input "
                + "(dynamic_axes only on the batch)");
    }

    static String dims(long[] dims) {
        var parts = new ArrayList<String>();
        for (long d : dims) {
            parts.add(d < 0 ? "?" : Long.toString(d));
        }
        return "[" + String.join(", ", parts) + "]";
    }

    /** The classifier head: the Gemm or MatMul that the graph's output comes from, through Softmax, LogSoftmax or a no-op. */
    private Onnx.NodeProto head() {
        String tensor = onnx.output();
        while (true) {
            var node = producer(tensor);
            if (node == null) {
                throw new BadInputException(onnx.origin() + ": the graph's output '" + onnx.output() + "' is not computed by any node");
            }
            String op = node.getOpType();
            if (op.equals("Gemm") || op.equals("MatMul")) {
                return node;
            }
            if (op.equals("Add") && node.getInputCount() == 2) {
                var matMul = node.getInputList().stream().map(this::producer).filter(n -> n != null && n.getOpType().equals("MatMul")).findFirst();
                if (matMul.isPresent()) {
                    return matMul.get();
                }
            }
            if (!AFTER_HEAD.contains(op)) {
                throw new BadInputException(onnx.origin() + ": the graph's output comes from node '" + node.getName() + "' (" + op + "); Secateur "
                        + "prunes classifiers whose output is a Gemm or MatMul head, optionally followed by Softmax or LogSoftmax");
            }
            tensor = node.getInput(0);
        }
    }

    private Onnx.NodeProto producer(String tensor) {
        for (var node : onnx.nodes()) {
            if (node.getOutputList().contains(tensor)) {
                return node;
            }
        }
        return null;
    }

    private void map(Onnx.NodeProto node) {
        var a = new NodeAttributes(node, onnx.origin());
        if (!node.getDomain().isEmpty() && !node.getDomain().equals("ai.onnx")) {
            throw a.refuse("is from the operator domain '" + node.getDomain() + "'; Secateur maps ONNX's own ops (domain ai.onnx) only");
        }
        switch (node.getOpType()) {
            case "Conv" -> convolutions.conv(node, a.only("kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"));
            case "MaxPool", "AveragePool" -> convolutions.pool(node, a.only("kernel_shape", "strides", "pads", "ceil_mode", "auto_pad",
                    "dilations", "storage_order", "count_include_pad"));
            case "Pad" -> convolutions.pad(node, a.only("mode"));
            case "Gemm" -> dense.gemm(node, a.only("alpha", "beta", "transA", "transB"));
            case "MatMul" -> dense.matMul(node, a.only());
            case "Add" -> dense.add(node, a.only());
            case "BatchNormalization" -> dense.batchNorm(node, a.only("epsilon", "momentum", "training_mode", "spatial"));
            case "Relu" -> activations.activation(node, new ActivationReLU(), a.only());
            case "LeakyRelu" -> activations.activation(node, new ActivationLReLU(a.only("alpha").real("alpha", 0.01)), a);
            case "Sigmoid" -> activations.activation(node, new ActivationSigmoid(), a.only());
            case "Tanh" -> activations.activation(node, new ActivationTanH(), a.only());
            case "HardSwish" -> activations.activation(node, new ActivationHardSwish(), a.only());
            case "Clip" -> activations.activation(node, activations.clip(node, a.only("min", "max")), a);
            case "HardSigmoid" -> activations.hardSigmoid(node, a.only("alpha", "beta"));
            case "Mul" -> activations.hardSwish(node, a.only());
            case "Softmax", "LogSoftmax" -> activations.afterHead(node, a.only("axis"));
            case "GlobalAveragePool", "GlobalMaxPool" -> globalPool(node, a.only());
            case "Flatten" -> flatten(node, a.only("axis"));
            case "Reshape" -> reshape(node, a.only("allowzero"));
            case "Concat" -> concat(node, a.only("axis"));
            case "Identity" -> alias(node, a.only());
            case "Dropout" -> dropout(node, a.only("seed", "ratio", "is_test"));
            default -> throw a.refuse("is an op Secateur cannot map; it maps " + String.join(", ", SUPPORTED)
                    + ". Replace that op in the model before export, or ask for it in an issue");
        }
    }

    // ---- bookkeeping shared with ConvolutionOps

    Value value(String tensor, String what) {
        var value = values.get(tensor);
        if (value == null) {
            throw new BadInputException(onnx.origin() + ": " + what + " reads tensor '" + tensor + "', which no mapped node computes"
                    + (onnx.constants().containsKey(tensor) ? " (it is a constant; Secateur maps constants only as weights)" : ""));
        }
        return value;
    }

    OnnxFile.Constant constant(Onnx.NodeProto node, int input, String what) {
        if (node.getInputCount() <= input || node.getInput(input).isEmpty()) {
            return null;
        }
        var constant = onnx.constants().get(node.getInput(input));
        if (constant == null) {
            throw new NodeAttributes(node, onnx.origin()).refuse("takes its " + what + " from tensor '" + node.getInput(input)
                    + "', which is computed in the graph; Secateur maps " + what + " only from initializers or Constant nodes");
        }
        return constant;
    }

    INDArray floats(Onnx.NodeProto node, int input, String what) {
        var constant = constant(node, input, what);
        if (constant != null && constant.floats() == null) {
            throw new NodeAttributes(node, onnx.origin()).refuse("has integer " + what + "; float weights are expected");
        }
        return constant == null ? null : constant.floats();
    }

    /** Adds a layer named by its index and records the node's output as computed by it. */
    Vertex addLayer(Onnx.NodeProto node, Layer layer, String input, Shape shape) {
        var vertex = Vertex.layer(Integer.toString(layers++), layer, input, node.getName());
        add(vertex);
        values.put(node.getOutput(0), new Value(vertex.name(), shape));
        direct.put(vertex.name(), node.getOutput(0));
        return vertex;
    }

    Vertex addVertex(Onnx.NodeProto node, String suffix, GraphVertex graphVertex, List<String> inputs) {
        String base = node.getName().isEmpty() ? node.getOpType() : node.getName();
        // a vertex name must not look like a layer index, nor repeat one
        String name = "v_" + base.replaceAll("[^A-Za-z0-9_.-]", "_") + suffix;
        while (byName.containsKey(name)) {
            name = name + "_";
        }
        var vertex = Vertex.vertex(name, graphVertex, inputs, node.getName());
        add(vertex);
        return vertex;
    }

    private void add(Vertex vertex) {
        vertices.add(vertex);
        byName.put(vertex.name(), vertex);
    }

    boolean computed(String tensor) {
        return values.containsKey(tensor);
    }

    void put(String tensor, Value value) {
        values.put(tensor, value);
    }

    boolean isHead(Onnx.NodeProto node) {
        return node == head;
    }

    /** Whether {@code tensor} is what {@code layer} computes itself and nothing else reads it, so an op on it can fold into the layer. */
    boolean foldsInto(Vertex layer, String tensor) {
        return tensor.equals(direct.get(layer.name())) && readers.getOrDefault(tensor, 0) == 1;
    }

    /** Records that {@code tensor}, computed by folding an op into {@code layer}, is now the layer's own output. */
    void folded(Vertex layer, String tensor) {
        direct.put(layer.name(), tensor);
    }

    Vertex vertex(String name) {
        return byName.get(name);
    }

    int readers(String tensor) {
        return readers.getOrDefault(tensor, 0);
    }

    // ---- no-ops and shapes

    private void alias(Onnx.NodeProto node, NodeAttributes a) {
        values.put(node.getOutput(0), value(node.getInput(0), "node '" + node.getName() + "'"));
    }

    private void dropout(Onnx.NodeProto node, NodeAttributes a) {
        var training = constant(node, 2, "training mode");
        if (training != null && training.ints() != null && training.ints().length > 0 && training.ints()[0] != 0) {
            throw a.refuse("is in training mode; export the model in eval mode (model.eval())");
        }
        alias(node, a);
    }

    private void globalPool(Onnx.NodeProto node, NodeAttributes a) {
        var x = value(node.getInput(0), "node '" + node.getName() + "'");
        if (x.shape().kind() != Kind.IMAGE) {
            throw a.refuse("pools a tensor of shape " + x.shape() + "; it needs an image [N, C, H, W]");
        }
        var type = node.getOpType().equals("GlobalAveragePool") ? PoolingType.AVG : PoolingType.MAX;
        addLayer(node, new GlobalPoolingLayer.Builder(type).build(), x.vertex(), new Shape(Kind.POOLED, x.shape().channels(), 1, 1));
    }

    private void flatten(Onnx.NodeProto node, NodeAttributes a) {
        if (a.integer("axis", 1) != 1) {
            throw a.refuse("flattens from axis " + a.integer("axis", 1) + "; Secateur maps Flatten from axis 1 (keeping the batch)");
        }
        var x = value(node.getInput(0), "node '" + node.getName() + "'");
        values.put(node.getOutput(0), new Value(x.vertex(), Shape.flat(x.shape().features())));
    }

    private void reshape(Onnx.NodeProto node, NodeAttributes a) {
        var x = value(node.getInput(0), "node '" + node.getName() + "'");
        var target = constant(node, 1, "shape");
        long[] shape = target == null ? null : target.ints();
        long features = x.shape().features();
        boolean flattens = shape != null && shape.length == 2
                && (shape[1] == features && (shape[0] == -1 || shape[0] == 0 || shape[0] > 0)
                || shape[1] == -1 && (shape[0] == 0 || shape[0] > 0));
        if (!flattens || a.integer("allowzero", 0) != 0) {
            throw a.refuse("reshapes " + x.shape() + " to " + (shape == null ? "a computed shape" : dims(shape))
                    + "; Secateur maps Reshape only as a flatten to [N, " + features + "] (use torch.flatten(x, 1) before export)");
        }
        values.put(node.getOutput(0), new Value(x.vertex(), Shape.flat(features)));
    }

    private void concat(Onnx.NodeProto node, NodeAttributes a) {
        var inputs = node.getInputList().stream().map(t -> value(t, "node '" + node.getName() + "'")).toList();
        var first = inputs.get(0).shape();
        long axis = a.integer("axis", 1);
        long rank = first.kind() == Kind.IMAGE ? 4 : 2;
        if (axis != 1 && axis != 1 - rank) {
            throw a.refuse("concatenates along axis " + axis + "; Secateur maps Concat along the channels (axis 1)");
        }
        long channels = 0;
        for (var input : inputs) {
            var s = input.shape();
            if (s.kind() != first.kind() || s.height() != first.height() || s.width() != first.width()) {
                throw a.refuse("concatenates tensors of shapes " + inputs.stream().map(i -> i.shape().toString()).toList()
                        + "; they must differ only in channels");
            }
            channels += s.channels();
        }
        var vertex = addVertex(node, "", new MergeVertex(), inputs.stream().map(Value::vertex).toList());
        values.put(node.getOutput(0), new Value(vertex.name(), new Shape(first.kind(), channels, first.height(), first.width())));
    }
}
