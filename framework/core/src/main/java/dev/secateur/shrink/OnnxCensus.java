package dev.secateur.shrink;

import dev.secateur.errors.BadInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;

/**
 * What an ONNX model holds, counted as {@link dev.secateur.evaluate.ModelCensus} counts a network: its
 * parameters (floating-point initializers and Constant tensors), those that are not zero, and the FLOPs per
 * example of its Conv, Gemm and MatMul nodes, 2 per multiply-accumulate plus the bias adds (a MatMul's bias is
 * the constant of the Add that takes its output, as PyTorch exports a Linear on a 3-d input). The output size
 * of each such node comes from onnxruntime, which runs the graph once on one example with those outputs
 * added to the graph's, so no shape inference is written here. Needs onnxruntime ({@link OnnxRuntimeLatency#available()}).
 *
 * @param flops          FLOPs per example of the counted nodes
 * @param effectiveFlops the same with only the nonzero weights and biases
 * @param counted        the counted nodes per op type
 * @param uncounted      nodes of those types left out of the FLOPs because their weight is not a constant
 */
public record OnnxCensus(long params, long nonzeroParams, long flops, long effectiveFlops, SortedMap<String, Integer> counted,
                         List<String> uncounted) {

    private static final Set<String> WEIGHTED = Set.of("Conv", "Gemm", "MatMul");
    private static final Set<Integer> FLOATING = Set.of(TensorProto.DataType.FLOAT_VALUE, TensorProto.DataType.DOUBLE_VALUE,
            TensorProto.DataType.FLOAT16_VALUE, TensorProto.DataType.BFLOAT16_VALUE);

    public OnnxCensus {
        counted = new TreeMap<>(counted);
        uncounted = List.copyOf(uncounted);
    }

    /**
     * Reads bytes as an ONNX model.
     *
     * @throws BadInputException naming {@code name} if they are not a model with a graph
     */
    public static ModelProto parse(byte[] bytes, String name) {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new BadInputException(name + " is not an ONNX model (" + e.getMessage() + "); give a .onnx file, as "
                    + "torch.onnx.export or tf2onnx write it");
        }
        if (model.getIrVersion() < 1 || model.getGraph().getNodeCount() == 0) {
            throw new BadInputException(name + " is not an ONNX model (no IR version or no graph nodes in it); give a .onnx file, "
                    + "as torch.onnx.export or tf2onnx write it");
        }
        return model;
    }

    /** The census of a model that {@link #parse} accepted. */
    public static OnnxCensus of(ModelProto model) {
        GraphProto graph = model.getGraph();
        var constants = new LinkedHashMap<String, TensorProto>();
        for (var tensor : graph.getInitializerList()) {
            constants.put(tensor.getName(), tensor);
        }
        for (var node : graph.getNodeList()) {
            if (node.getOpType().equals("Constant") && attribute(node, "value") != null) {
                constants.put(node.getOutput(0), attribute(node, "value").getT());
            }
        }
        constants.values().removeIf(t -> !FLOATING.contains(t.getDataType()));
        long params = 0;
        long nonzero = 0;
        var liveShare = new HashMap<String, Double>();
        for (var entry : constants.entrySet()) {
            long size = size(entry.getValue());
            long live = nonzero(entry.getValue());
            params += size;
            nonzero += live;
            liveShare.put(entry.getKey(), size == 0 ? 0 : (double) live / size);
        }
        var weighted = new ArrayList<NodeProto>();
        var uncounted = new ArrayList<String>();
        for (var node : graph.getNodeList()) {
            if (WEIGHTED.contains(node.getOpType())) {
                if (weight(node, constants) == null) {
                    uncounted.add(node.getOpType() + " '" + node.getName() + "'");
                } else {
                    weighted.add(node);
                }
            }
        }
        var sizes = outputSizes(model, weighted, constants);
        double flops = 0;
        double effective = 0;
        var counted = new TreeMap<String, Integer>();
        for (var node : weighted) {
            String w = weight(node, constants);
            long outputs = sizes.get(node.getOutput(0));
            double macs = (double) contraction(node, w, constants.get(w)) * outputs;
            flops += 2 * macs;
            effective += 2 * macs * liveShare.get(w);
            String bias = bias(node, graph);
            if (liveShare.containsKey(bias)) {
                flops += outputs;
                effective += outputs * liveShare.get(bias);
            }
            counted.merge(node.getOpType(), 1, Integer::sum);
        }
        return new OnnxCensus(params, nonzero, Math.round(flops), Math.round(effective), counted, uncounted);
    }

    /** The floating-point constant weight of a Conv, Gemm or MatMul node, or null: the second input, or a MatMul's first. */
    private static String weight(NodeProto node, Map<String, TensorProto> constants) {
        if (node.getInputCount() > 1 && constants.containsKey(node.getInput(1))) {
            return node.getInput(1);
        }
        if (node.getOpType().equals("MatMul") && constants.containsKey(node.getInput(0))) {
            return node.getInput(0);
        }
        return null;
    }

    /** The bias of a Conv or Gemm (its third input), or of a MatMul the Add that takes its output; "" if none. */
    private static String bias(NodeProto node, GraphProto graph) {
        if (!node.getOpType().equals("MatMul")) {
            return node.getInputCount() > 2 ? node.getInput(2) : "";
        }
        String output = node.getOutput(0);
        return graph.getNodeList().stream()
                .filter(n -> n.getOpType().equals("Add") && n.getInputCount() == 2 && n.getInputList().contains(output))
                .map(n -> n.getInput(0).equals(output) ? n.getInput(1) : n.getInput(0))
                .findFirst().orElse("");
    }

    /** Multiply-accumulates per output element: the weight's size over its output channels, or the summed dimension. */
    private static long contraction(NodeProto node, String weight, TensorProto w) {
        int rank = w.getDimsCount();
        switch (node.getOpType()) {
            case "Conv":
                return size(w) / w.getDims(0);
            case "Gemm":
                var transB = attribute(node, "transB");
                return transB != null && transB.getI() == 1 ? w.getDims(1) : w.getDims(0);
            default:
                boolean second = node.getInput(1).equals(weight);
                return rank == 1 ? w.getDims(0) : second ? w.getDims(rank - 2) : w.getDims(rank - 1);
        }
    }

    /** The number of elements of each weighted node's output at batch 1, from one pass in onnxruntime. */
    private static Map<String, Long> outputSizes(ModelProto model, List<NodeProto> nodes, Map<String, TensorProto> constants) {
        var graph = model.getGraph().toBuilder();
        var outputs = new HashSet<String>();
        graph.getOutputList().forEach(o -> outputs.add(o.getName()));
        for (var node : nodes) {
            if (outputs.add(node.getOutput(0))) {
                int type = constants.get(weight(node, constants)).getDataType();
                graph.addOutput(ValueInfoProto.newBuilder().setName(node.getOutput(0))
                        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type))));
            }
        }
        var sizes = new HashMap<String, Long>();
        if (nodes.isEmpty()) {
            return sizes;
        }
        try (var runner = OnnxRuntimeRunner.open(model.toBuilder().setGraph(graph).build().toByteArray())) {
            var values = runner.runAll(OnnxRuntimeLatency.randomInput(1, runner.exampleShape()));
            values.forEach((name, value) -> sizes.put(name, value.length()));
        }
        return sizes;
    }

    private static AttributeProto attribute(NodeProto node, String name) {
        return node.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst().orElse(null);
    }

    private static long size(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }

    /** Nonzero elements, from the raw little-endian data or the typed fields; an external tensor counts as all nonzero. */
    private static long nonzero(TensorProto t) {
        int type = t.getDataType();
        if (!t.getRawData().isEmpty()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long live = 0;
            if (type == TensorProto.DataType.FLOAT_VALUE) {
                var floats = raw.asFloatBuffer();
                while (floats.hasRemaining()) {
                    live += floats.get() != 0 ? 1 : 0;
                }
            } else if (type == TensorProto.DataType.DOUBLE_VALUE) {
                var doubles = raw.asDoubleBuffer();
                while (doubles.hasRemaining()) {
                    live += doubles.get() != 0 ? 1 : 0;
                }
            } else {
                var halves = raw.asShortBuffer();
                while (halves.hasRemaining()) {
                    live += (halves.get() & 0x7fff) != 0 ? 1 : 0;
                }
            }
            return live;
        }
        if (type == TensorProto.DataType.FLOAT_VALUE && t.getFloatDataCount() > 0) {
            return t.getFloatDataList().stream().filter(v -> v != 0).count();
        }
        if (type == TensorProto.DataType.DOUBLE_VALUE && t.getDoubleDataCount() > 0) {
            return t.getDoubleDataList().stream().filter(v -> v != 0).count();
        }
        if (t.getInt32DataCount() > 0) {
            return t.getInt32DataList().stream().filter(v -> (v & 0x7fff) != 0).count();
        }
        return size(t);
    }
}
