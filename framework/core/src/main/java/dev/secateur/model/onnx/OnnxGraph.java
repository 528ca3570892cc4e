package dev.secateur.model.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.AttributeProto.AttributeType;
import onnx.Onnx.GraphProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.ByteString;

/**
 * An ONNX graph as it is written: nodes in order, float32 and int64 initializers, the input and the output.
 * Names must be unique in an ONNX graph, so a second node or initializer of one name is refused here rather
 * than by the checker.
 */
final class OnnxGraph {

    /** The symbolic batch dimension of the input and the output. */
    static final String BATCH = "N";

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Set<String> nodeNames = new HashSet<>();
    private final Set<String> initializerNames = new HashSet<>();
    private final Set<String> opTypes = new HashSet<>();

    OnnxGraph(String name) {
        graph.setName(name);
    }

    /** Adds a node named {@code name} that writes {@code output}, and returns {@code output}. */
    String node(String op, String name, String output, List<String> inputs, AttributeProto... attributes) {
        if (!nodeNames.add(name)) {
            throw new IllegalStateException("two ONNX nodes named '" + name + "'");
        }
        opTypes.add(op);
        graph.addNode(NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output)
                .addAllAttribute(Arrays.asList(attributes)));
        return output;
    }

    /** A float32 initializer with the values of {@code value} in C order, reshaped to {@code shape}. */
    String floats(String name, INDArray value, long... shape) {
        float[] values = value.castTo(DataType.FLOAT).dup('c').reshape(value.length()).toFloatVector();
        long count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        if (count != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values do not fill " + Arrays.toString(shape));
        }
        var bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return initializer(name, TensorProto.DataType.FLOAT, bytes.array(), shape);
    }

    /** A float32 scalar initializer (rank 0), as Clip's bounds are given since opset 11. */
    String scalar(String name, float value) {
        var bytes = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value);
        return initializer(name, TensorProto.DataType.FLOAT, bytes.array());
    }

    /** A one-dimensional int64 initializer, as Pad, Slice and Reshape take their amounts since opset 10 to 13. */
    String longs(String name, long... values) {
        var bytes = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(values);
        return initializer(name, TensorProto.DataType.INT64, bytes.array(), values.length);
    }

    private String initializer(String name, TensorProto.DataType type, byte[] rawData, long... shape) {
        if (!initializerNames.add(name)) {
            throw new IllegalStateException("two ONNX initializers named '" + name + "'");
        }
        var tensor = TensorProto.newBuilder().setName(name).setDataType(type.getNumber()).setRawData(ByteString.copyFrom(rawData));
        for (long d : shape) {
            tensor.addDims(d);
        }
        graph.addInitializer(tensor);
        return name;
    }

    /** Declares the graph's input: float32, {@code shape} with -1 for the batch. */
    void input(String name, long... shape) {
        graph.addInput(valueInfo(name, shape));
    }

    /** Declares the graph's output: float32, {@code shape} with -1 for the batch. */
    void output(String name, long... shape) {
        graph.addOutput(valueInfo(name, shape));
    }

    /** Whether a node writes tensor {@code name}. */
    boolean has(String name) {
        return graph.getNodeList().stream().anyMatch(n -> n.getOutputList().contains(name));
    }

    /** Renames tensor {@code from} to {@code to} wherever a node reads or writes it: the graph's output gets its public name. */
    void rename(String from, String to) {
        for (var node : graph.getNodeBuilderList()) {
            for (int i = 0; i < node.getInputCount(); i++) {
                if (node.getInput(i).equals(from)) {
                    node.setInput(i, to);
                }
            }
            for (int i = 0; i < node.getOutputCount(); i++) {
                if (node.getOutput(i).equals(from)) {
                    node.setOutput(i, to);
                }
            }
        }
    }

    /** Whether any node of this op type was added. */
    boolean uses(String op) {
        return opTypes.contains(op);
    }

    GraphProto build() {
        return graph.build();
    }

    private static ValueInfoProto valueInfo(String name, long... shape) {
        var dims = TensorShapeProto.newBuilder();
        for (long d : shape) {
            dims.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        var tensor = TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(dims);
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(tensor)).build();
    }

    static AttributeProto attribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(value).build();
    }

    static AttributeProto attribute(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto attribute(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.STRING).setS(ByteString.copyFromUtf8(value)).build();
    }

    static AttributeProto ints(String name, long... values) {
        var attribute = AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
        for (long v : values) {
            attribute.addInts(v);
        }
        return attribute.build();
    }
}
