package dev.secateur.model.onnx;

import dev.secateur.config.Version;
import dev.secateur.errors.BadInputException;
import dev.secateur.files.DurableFiles;
import dev.secateur.model.Network;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import onnx.Onnx.ModelProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.ValueInfoProto;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;

/**
 * Writes a {@link Network} as an ONNX model: IR version 7, opset 13 (14 when it holds a hard swish, ONNX's
 * HardSwish being an opset-14 op), float32 initializers and a batch dimension {@code N} of any size on the
 * input and the output. Nodes are named after DL4J's layers and vertices (a sequential network's layers by their
 * index), and parameters after DL4J's keys ({@code 3_W}).
 *
 * <p>The built-in networks take flat rows {@code [N, H·W·C]} and reshape them to images in front of their first
 * layer; the ONNX model takes the image itself, {@code [N, C, H, W]}, as every other ONNX image model does, and
 * has no reshape. The flat row is the image in C order, so {@code x.reshape(N, C, H, W)} feeds it.
 *
 * <p>A layer, vertex, preprocessor or activation with no ONNX form here is refused with a
 * {@link BadInputException} that names it and lists what is supported.
 */
public final class OnnxWriter {

    public static final long IR_VERSION = 7;
    public static final long OPSET = 13;
    /** The opset of a model with a hard swish: ONNX's HardSwish arrived in opset 14. */
    public static final long HARD_SWISH_OPSET = 14;
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";

    private final OnnxGraph graph;
    private final OnnxLayers layers;
    private final OnnxVertices vertices;

    private OnnxWriter(String name) {
        graph = new OnnxGraph(name);
        layers = new OnnxLayers(graph);
        vertices = new OnnxVertices(graph);
    }

    /**
     * What the network takes, for DL4J and for ONNX.
     *
     * @param dl4j      the input type DL4J's shape inference starts from
     * @param shape     the ONNX input's shape, -1 for the batch
     * @param flatImage whether DL4J takes an image as a flat row that ONNX takes as the image
     */
    public record Input(InputType dl4j, long[] shape, boolean flatImage) {

        /** From a DL4J input type: {@code convolutionalFlat} becomes an image input, as the built-ins are written. */
        public static Input of(InputType type) {
            if (type instanceof InputType.InputTypeConvolutionalFlat flat) {
                return new Input(type, new long[]{-1, flat.getDepth(), flat.getHeight(), flat.getWidth()}, true);
            }
            return new Input(type, type.getShape(true), false);
        }
    }

    /** The model's bytes, ready for a {@code .onnx} file or an onnxruntime session. */
    public static byte[] bytes(Network net) {
        return write(net).toByteArray();
    }

    /** Writes {@code net} as {@code file}, through a temporary file and a rename, and returns the bytes written. */
    public static long save(Network net, Path file) {
        return save(write(net), file);
    }

    /** Writes {@code model} as {@code file}, through a temporary file and a rename, and returns the bytes written. */
    public static long save(ModelProto model, Path file) {
        byte[] bytes = model.toByteArray();
        DurableFiles.writeBytes(file, bytes);
        return bytes.length;
    }

    /** What a user feeds the model and gets back: "opset 13, input 'input' [N, 1, 28, 28], output 'output' [N, 10]". */
    public static String describe(ModelProto model) {
        var graph = model.getGraph();
        return "opset " + model.getOpsetImport(0).getVersion() + ", input '" + graph.getInput(0).getName() + "' "
                + dims(graph.getInput(0)) + ", output '" + graph.getOutput(0).getName() + "' " + dims(graph.getOutput(0));
    }

    private static String dims(ValueInfoProto value) {
        return value.getType().getTensorType().getShape().getDimList().stream()
                .map(d -> d.hasDimParam() ? d.getDimParam() : Long.toString(d.getDimValue()))
                .collect(Collectors.joining(", ", "[", "]"));
    }

    /** The network as an ONNX model, its input found from its first layer ({@link #input}). */
    public static ModelProto write(Network net) {
        return write(net, input(net));
    }

    /** The network as an ONNX model with the given input, for a network whose first layer does not say its input's size. */
    public static ModelProto write(Network net, Input input) {
        var writer = new OnnxWriter(net.isGraph() ? "secateur-graph" : "secateur-sequential");
        String output = net.isGraph() ? writer.graph(net, input) : writer.sequential(net, input);
        return writer.model(input, output, outputType(net, input));
    }

    private ModelProto model(Input input, String last, InputType outputType) {
        graph.input(INPUT, input.shape());
        graph.rename(last, OUTPUT);
        graph.output(OUTPUT, outputType.getShape(true));
        long opset = graph.uses("HardSwish") ? HARD_SWISH_OPSET : OPSET;
        return ModelProto.newBuilder().setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setProducerName("secateur").setProducerVersion(Version.get())
                .setGraph(graph.build()).build();
    }

    /** A sequential network's layers in order, each behind its input preprocessor. */
    private String sequential(Network net, Input input) {
        var conf = net.sequential("ONNX export").getLayerWiseConfigurations();
        List<InputType> outputs = conf.getLayerActivationTypes(input.dl4j());
        String tensor = INPUT;
        InputType type = input.dl4j();
        for (int i = 0; i < net.layerCount(); i++) {
            String name = net.layerName(i);
            InputPreProcessor pre = conf.getInputPreProcess(i);
            InputType layerType = pre == null ? type : pre.getOutputType(type);
            check(net, i, pre, layerType);
            if (pre != null && !(i == 0 && input.flatImage() && pre instanceof FeedForwardToCnnPreProcessor)) {
                tensor = vertices.preprocess(pre, name + "_preprocess", name + "_preprocessed", tensor);
            }
            tensor = layers.emit(net.layer(i).conf().getLayer(), net.layer(i).paramTable(), name, tensor, layerType);
            type = outputs.get(i);
        }
        return tensor;
    }

    /** A graph's vertices in DL4J's topological order. */
    private String graph(Network net, Input input) {
        var graphNet = net.graph();
        ComputationGraphConfiguration conf = graphNet.getConfiguration();
        String networkInput = conf.getNetworkInputs().get(0);
        Map<String, InputType> types = new HashMap<>(conf.clone().getLayerActivationTypes(input.dl4j()));
        types.put(networkInput, input.dl4j());
        Map<String, String> tensors = new HashMap<>();
        tensors.put(networkInput, INPUT);
        Map<String, Integer> layerIndex = new HashMap<>();
        for (int i = 0; i < net.layerCount(); i++) {
            layerIndex.put(net.layerName(i), i); // DL4J numbers a graph's layers apart from its vertices
        }
        String last = INPUT;
        for (int index : graphNet.topologicalSortOrder()) {
            var vertex = graphNet.getVertices()[index];
            String name = vertex.getVertexName();
            if (vertex.isInputVertex()) {
                continue;
            }
            var vertexConf = conf.getVertices().get(name);
            List<String> from = conf.getVertexInputs().get(name);
            if (vertexConf instanceof LayerVertex layerVertex) {
                String tensor = tensors.get(from.get(0));
                InputPreProcessor pre = layerVertex.getPreProcessor();
                InputType type = pre == null ? types.get(from.get(0)) : pre.getOutputType(types.get(from.get(0)));
                int layer = layerIndex.get(name);
                check(net, layer, pre, type);
                boolean imageIn = input.flatImage() && from.get(0).equals(networkInput);
                if (pre != null && !(imageIn && pre instanceof FeedForwardToCnnPreProcessor)) {
                    tensor = vertices.preprocess(pre, name + "_preprocess", name + "_preprocessed", imageIn ? flatInput() : tensor);
                } else if (pre == null && imageIn) {
                    tensor = flatInput();
                }
                last = layers.emit(net.layer(layer).conf().getLayer(), net.layer(layer).paramTable(), name, tensor, type);
            } else {
                refuse("vertex '" + name + "'", vertexConf.getClass().getName(), OnnxVertices.refusal(vertexConf));
                var ins = new ArrayList<String>();
                for (String f : from) {
                    ins.add(input.flatImage() && f.equals(networkInput) ? flatInput() : tensors.get(f));
                }
                last = vertices.emit(vertexConf, name, ins);
            }
            tensors.put(name, last);
        }
        return tensors.get(conf.getNetworkOutputs().get(0));
    }

    /** The image input flattened as DL4J takes it, for a vertex that reads the flat row; written once. */
    private String flatInput() {
        String flat = INPUT + "_flat";
        return graph.has(flat) ? flat : graph.node("Flatten", flat, flat, List.of(INPUT), OnnxGraph.attribute("axis", 1L));
    }

    /** Refuses layer {@code index} if it, its activation or its input preprocessor has no ONNX form, naming the layer and its class. */
    private static void check(Network net, int index, InputPreProcessor pre, InputType type) {
        String name = net.layerName(index);
        String what = "layer " + index + (name.equals(Integer.toString(index)) ? "" : " '" + name + "'");
        var conf = net.layer(index).conf().getLayer();
        refuse(what, conf.getClass().getName(), OnnxLayers.refusal(conf, type));
        if (pre != null) {
            refuse(what, conf.getClass().getName(), OnnxVertices.refusal(pre));
        }
    }

    private static void refuse(String what, String kind, Optional<String> refusal) {
        refusal.ifPresent(why -> {
            throw new BadInputException("cannot write the network as ONNX: " + what + " (" + kind + "): " + why);
        });
    }

    /**
     * The input of a built-in or imported network: a flat image where the first layer reshapes one
     * ({@code FeedForwardToCnnPreProcessor}), else the first dense layer's {@code nIn} features. A convolution
     * that takes images as they are does not say their height and width: give them with
     * {@link #write(Network, Input)}.
     */
    public static Input input(Network net) {
        long[] shape;
        try {
            shape = net.inputShape();
        } catch (BadInputException e) {
            throw new BadInputException("cannot tell the size of this network's input for ONNX: its first layer neither reshapes "
                    + "flat rows into images nor is a dense layer; build it with setInputType(InputType.convolutionalFlat(h, w, c)), "
                    + "or give the input with OnnxWriter.write(net, Input.of(InputType.convolutional(h, w, c)))", e);
        }
        return Input.of(shape.length == 3 ? InputType.convolutionalFlat(shape[1], shape[2], shape[0]) : InputType.feedForward(shape[0]));
    }

    private static InputType outputType(Network net, Input input) {
        if (net.isGraph()) {
            var conf = net.graph().getConfiguration();
            return conf.clone().getLayerActivationTypes(input.dl4j()).get(conf.getNetworkOutputs().get(0));
        }
        var types = net.sequential("ONNX export").getLayerWiseConfigurations().getLayerActivationTypes(input.dl4j());
        return types.get(types.size() - 1);
    }
}
