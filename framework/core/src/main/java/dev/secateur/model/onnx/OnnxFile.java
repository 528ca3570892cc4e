package dev.secateur.model.onnx;

import org.nd4j.linalg.api.buffer.DataType;
import java.util.Arrays;
import dev.secateur.errors.BadInputException;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;

/**
 * An ONNX model read from a file with ONNX's own schema (the generated {@code onnx.Onnx} classes that
 * nd4j-api carries): its opset, its one real input, its constant tensors (initializers and Constant
 * nodes) and its nodes in the file's order, which ONNX requires to be topological.
 *
 * @param origin     how errors name the file
 * @param opset      the version of the default ("ai.onnx") operator set
 * @param input      the graph input that is not an initializer
 * @param inputShape its dimensions, batch first; -1 for a symbolic dimension
 * @param output     the graph's output tensor
 * @param constants  initializers and Constant nodes' values, by tensor name
 * @param nodes      the nodes that compute, without Constant nodes
 */
record OnnxFile(String origin, long opset, String input, long[] inputShape, String output,
                Map<String, Constant> constants, List<Onnx.NodeProto> nodes) {

    static final long MIN_OPSET = 11;
    static final long MAX_OPSET = 17;

    /** A constant tensor: float values as an array, integer values (shapes, axes) as longs. */
    record Constant(INDArray floats, long[] ints) {
    }

    static OnnxFile read(Path file) {
        String origin = "ONNX model " + file;
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(origin + " does not exist; give the path of a model exported with torch.onnx.export "
                    + "or tf2onnx");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BadInputException("cannot read " + origin + ": " + e.getMessage());
        }
        Onnx.ModelProto model;
        try {
            model = Onnx.ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new BadInputException(origin + " is not a readable ONNX file (" + e.getMessage()
                    + "); it is truncated or not ONNX, so export the model again");
        }
        return of(model, origin);
    }

    static OnnxFile of(Onnx.ModelProto model, String origin) {
        // protobuf reads many byte strings as a message of unknown fields, so a file that parsed is checked for a graph
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0 || model.getGraph().getOutputCount() == 0) {
            throw new BadInputException(origin + " is not an ONNX model: it has no graph of nodes; it is truncated or not "
                    + "ONNX, so export the model again");
        }
        long opset = -1;
        for (var imported : model.getOpsetImportList()) {
            if (imported.getDomain().isEmpty() || imported.getDomain().equals("ai.onnx")) {
                opset = imported.getVersion();
            }
        }
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new BadInputException(origin + " uses ONNX opset " + (opset < 0 ? "(none declared)" : opset) + "; Secateur reads opsets "
                    + MIN_OPSET + " to " + MAX_OPSET + ", so export again with opset_version=13 (torch.onnx.export) or --opset 13 (tf2onnx)");
        }
        var graph = model.getGraph();
        var constants = new LinkedHashMap<String, Constant>();
        for (var tensor : graph.getInitializerList()) {
            constants.put(tensor.getName(), constant(tensor, origin));
        }
        var nodes = new ArrayList<Onnx.NodeProto>();
        for (var node : graph.getNodeList()) {
            if (foldsToConstant(node, constants)) {
                constants.put(node.getOutput(0), folded(node, constants.get(node.getInput(0)), origin));
            } else if (node.getOpType().equals("Constant")) {
                var value = node.getAttributeList().stream().filter(a -> a.getName().equals("value")).findFirst()
                        .orElseThrow(() -> new BadInputException(origin + ": Constant node '" + node.getName()
                                + "' has no tensor 'value' attribute, the only form Secateur reads"));
                constants.put(node.getOutput(0), constant(value.getT(), origin));
            } else {
                nodes.add(node);
            }
        }
        var inputs = graph.getInputList().stream().filter(i -> !constants.containsKey(i.getName())).toList();
        if (inputs.size() != 1) {
            throw new BadInputException(origin + " has " + inputs.size() + " inputs (" + inputs.stream().map(Onnx.ValueInfoProto::getName).toList()
                    + "); Secateur prunes classifiers with one input");
        }
        if (graph.getOutputCount() != 1) {
            throw new BadInputException(origin + " has " + graph.getOutputCount() + " outputs; Secateur prunes classifiers with one output");
        }
        var input = inputs.get(0);
        var dims = input.getType().getTensorType().getShape().getDimList();
        long[] shape = new long[dims.size()];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = dims.get(d).hasDimValue() ? dims.get(d).getDimValue() : -1;
        }
        return new OnnxFile(origin, opset, input.getName(), shape, graph.getOutput(0).getName(), constants, nodes);
    }

    /**
     * Identity and Cast of a constant are constants: torch writes them for weights it shares (two zero biases) and
     * for the bounds of a ReLU6's Clip.
     */
    private static boolean foldsToConstant(Onnx.NodeProto node, Map<String, Constant> constants) {
        return (node.getOpType().equals("Identity") || node.getOpType().equals("Cast"))
                && node.getInputCount() == 1 && constants.containsKey(node.getInput(0));
    }

    private static Constant folded(Onnx.NodeProto node, Constant value, String origin) {
        if (node.getOpType().equals("Identity")) {
            return value;
        }
        long to = node.getAttributeList().stream().filter(a -> a.getName().equals("to")).mapToLong(Onnx.AttributeProto::getI).findFirst().orElse(0);
        boolean toFloat = to == 1 || to == 11; // FLOAT, DOUBLE
        boolean toInteger = to == 6 || to == 7;  // INT32, INT64
        if (!toFloat && !toInteger) {
            throw new BadInputException(origin + ": node '" + node.getName() + "' (Cast) casts a constant to ONNX data type " + to
                    + "; Secateur reads float and integer constants");
        }
        if (toFloat) {
            return value.floats() != null ? value
                    : new Constant(Nd4j.createFromArray(Arrays.stream(value.ints()).mapToDouble(v -> v).toArray()).castTo(
                    DataType.FLOAT), null);
        }
        return value.ints() != null ? value
                : new Constant(null, Arrays.stream(value.floats().dup().data().asDouble()).mapToLong(v -> (long) v).toArray());
    }

    /** How many nodes read each tensor; the graph output counts as a reader. */
    Map<String, Integer> readers() {
        var readers = new HashMap<String, Integer>();
        for (var node : nodes) {
            node.getInputList().forEach(name -> readers.merge(name, 1, Integer::sum));
        }
        readers.merge(output, 1, Integer::sum);
        return readers;
    }

    private static Constant constant(Onnx.TensorProto tensor, String origin) {
        if (tensor.getExternalDataCount() > 0 || tensor.getDataLocationValue() != 0) {
            throw new BadInputException(origin + ": tensor '" + tensor.getName() + "' is stored in an external file; save the model "
                    + "with its weights inside (onnx.save(model, path, save_as_external_data=False))");
        }
        long[] shape = tensor.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        int width = switch (tensor.getDataType()) {
            case 11, 7 -> 8;
            case 1, 6 -> 4;
            default -> 0;
        };
        long stored = tensor.getRawData().isEmpty() ? (tensor.getFloatDataCount() + tensor.getDoubleDataCount() + tensor.getInt64DataCount()
                + tensor.getInt32DataCount()) : tensor.getRawData().size() / Math.max(width, 1);
        if (width > 0 && stored != count) {
            throw new BadInputException(origin + ": tensor '" + tensor.getName() + "' holds " + stored + " values where its shape "
                    + Arrays.toString(shape) + " needs " + count + "; the file is damaged, so export the model again");
        }
        var raw = tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean hasRaw = !tensor.getRawData().isEmpty(); // proto3: raw_data, or the typed list
        switch (tensor.getDataType()) {
            case 1 -> { // FLOAT
                float[] values = new float[(int) count];
                if (hasRaw) {
                    raw.asFloatBuffer().get(values);
                } else {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = tensor.getFloatData(i);
                    }
                }
                return new Constant(Nd4j.create(values, shape.length == 0 ? new long[]{} : shape, 'c'), null);
            }
            case 11 -> { // DOUBLE
                float[] values = new float[(int) count];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (hasRaw ? raw.getDouble(i * 8) : tensor.getDoubleData(i));
                }
                return new Constant(Nd4j.create(values, shape, 'c'), null);
            }
            case 7, 6 -> { // INT64, INT32
                long[] values = new long[(int) count];
                boolean int64 = tensor.getDataType() == 7;
                for (int i = 0; i < values.length; i++) {
                    values[i] = hasRaw ? (int64 ? raw.getLong(i * 8) : raw.getInt(i * 4))
                            : int64 ? tensor.getInt64Data(i) : tensor.getInt32Data(i);
                }
                return new Constant(null, values);
            }
            default -> throw new BadInputException(origin + ": tensor '" + tensor.getName() + "' has ONNX data type "
                    + tensor.getDataType() + "; Secateur reads float32, float64, int32 and int64 tensors (export in float32)");
        }
    }
}
