package dev.secateur.shrink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.TypeProto;
import onnx.Onnx.ValueInfoProto;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.protobuf.ByteString;

/**
 * Small ONNX models written by hand with ONNX's own protobuf classes (opset 13, float, a free batch
 * dimension named N), as PyTorch would export them: weights as little-endian raw data, Gemm with
 * {@code transB = 1}. Weights are He-scaled Gaussians from a seed, so outputs stay near 1.
 */
public final class OnnxTestModels {

    public static final String INPUT = "input";
    public static final String OUTPUT = "output";

    private OnnxTestModels() {
    }

    /**
     * A multilayer perceptron: one Gemm per pair of widths ({@code w0, b0}, {@code w1, b1} ... with weights
     * {@code [out, in]}), a Relu after every Gemm but the last.
     */
    public static byte[] mlp(long seed, int... widths) {
        var random = new Random(seed);
        var graph = GraphProto.newBuilder().setName("mlp").addInput(value(INPUT, widths[0]));
        String x = INPUT;
        for (int i = 0; i + 1 < widths.length; i++) {
            int in = widths[i];
            int out = widths[i + 1];
            graph.addInitializer(tensor("w" + i, random, Math.sqrt(2.0 / in), out, in));
            graph.addInitializer(tensor("b" + i, random, 0.1, out));
            boolean last = i + 2 == widths.length;
            String y = last ? OUTPUT : "gemm" + i;
            graph.addNode(node("Gemm", "gemm" + i, y, x, "w" + i, "b" + i).addAttribute(integer("transB", 1)));
            if (!last) {
                graph.addNode(node("Relu", "relu" + i, "relu" + i, y));
                x = "relu" + i;
            }
        }
        graph.addOutput(value(OUTPUT, widths[widths.length - 1]));
        return model(graph);
    }

    /**
     * A small convolutional net on [N, 1, 28, 28]: Conv (1 to {@code filters} channels, 3x3, padding 1,
     * weights {@code conv_w}, bias {@code conv_b}), Relu, Flatten, and a Gemm to 10 classes ({@code fc_w}, {@code fc_b}).
     */
    public static byte[] cnn(long seed, int filters) {
        var random = new Random(seed);
        var graph = GraphProto.newBuilder().setName("cnn").addInput(value(INPUT, 1, 28, 28));
        graph.addInitializer(tensor("conv_w", random, Math.sqrt(2.0 / 9), filters, 1, 3, 3));
        graph.addInitializer(tensor("conv_b", random, 0.1, filters));
        graph.addInitializer(tensor("fc_w", random, Math.sqrt(2.0 / (filters * 784)), 10, filters * 784));
        graph.addInitializer(tensor("fc_b", random, 0.1, 10));
        graph.addNode(node("Conv", "conv", "conv", INPUT, "conv_w", "conv_b")
                .addAttribute(integers("kernel_shape", 3, 3)).addAttribute(integers("pads", 1, 1, 1, 1)));
        graph.addNode(node("Relu", "relu", "relu", "conv"));
        graph.addNode(node("Flatten", "flatten", "flatten", "relu").addAttribute(integer("axis", 1)));
        graph.addNode(node("Gemm", "fc", OUTPUT, "flatten", "fc_w", "fc_b").addAttribute(integer("transB", 1)));
        graph.addOutput(value(OUTPUT, 10));
        return model(graph);
    }

    /** One MatMul by a weight {@code w [in, out]} and an Add of a bias {@code b}, as PyTorch exports a Linear with a 3-d input. */
    public static byte[] matMulAdd(long seed, int in, int out) {
        var random = new Random(seed);
        var graph = GraphProto.newBuilder().setName("matmul").addInput(value(INPUT, in));
        graph.addInitializer(tensor("w", random, Math.sqrt(2.0 / in), in, out));
        graph.addInitializer(tensor("b", random, 0.1, out));
        graph.addNode(node("MatMul", "matmul", "matmul", INPUT, "w"));
        graph.addNode(node("Add", "add", OUTPUT, "matmul", "b"));
        graph.addOutput(value(OUTPUT, out));
        return model(graph);
    }

    /** An initializer of {@code model} as an array of its shape. */
    public static INDArray initializer(byte[] model, String name) throws Exception {
        for (var t : ModelProto.parseFrom(model).getGraph().getInitializerList()) {
            if (t.getName().equals(name)) {
                var floats = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                float[] values = new float[floats.remaining()];
                floats.get(values);
                return Nd4j.create(values, t.getDimsList().stream().mapToLong(Long::longValue).toArray(), 'c');
            }
        }
        throw new IllegalArgumentException("no initializer " + name);
    }

    private static byte[] model(GraphProto.Builder graph) {
        return ModelProto.newBuilder().setIrVersion(7).setProducerName("secateur-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(graph).build().toByteArray();
    }

    private static NodeProto.Builder node(String op, String name, String output, String... inputs) {
        var node = NodeProto.newBuilder().setOpType(op).setName(name).addOutput(output);
        for (String input : inputs) {
            node.addInput(input);
        }
        return node;
    }

    private static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static AttributeProto integers(String name, long... values) {
        var attribute = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            attribute.addInts(v);
        }
        return attribute.build();
    }

    /** A float tensor with a free batch dimension N before {@code dims}. */
    private static ValueInfoProto value(String name, long... dims) {
        var shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    private static TensorProto tensor(String name, Random random, double scale, long... dims) {
        int n = 1;
        for (long d : dims) {
            n *= (int) d;
        }
        var bytes = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            bytes.putFloat((float) (random.nextGaussian() * scale));
        }
        var tensor = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(bytes.array()));
        for (long d : dims) {
            tensor.addDims(d);
        }
        return tensor.build();
    }
}
