package dev.secateur.model.onnx;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.Network;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Builds a DL4J {@code ComputationGraph} from an ONNX classifier, with its weights, so that every stage,
 * criterion, unit group, checkpoint and the cluster work on it unchanged. The ops and how each maps are
 * in {@link OnnxOps}; an op or attribute without a mapping is refused, naming the node.
 *
 * <p>Layers are named by their DL4J index ("0", "1", ...), as the built-in graphs are, so that parameter
 * {@code 3_W} is layer 3's weights; other vertices keep their ONNX node's name. The graph takes flat rows,
 * as every Secateur network does: an image input {@code [N, C, H, W]} becomes
 * {@code InputType.convolutionalFlat(H, W, C)}. The classifier head becomes a softmax output layer, so the
 * imported network outputs class probabilities where the ONNX graph may output logits.
 */
public final class OnnxImporter {

    private OnnxImporter() {
    }

    /** Reads and maps an ONNX file. */
    public static Network load(Path file) {
        return build(OnnxFile.read(file));
    }

    static Network build(OnnxFile onnx) {
        var mapping = new OnnxOps(onnx).map();
        var builder = new NeuralNetConfiguration.Builder()
                .weightInit(WeightInit.XAVIER) // every parameter is overwritten with the file's values below
                .updater(new Adam(1e-3))       // fine-tuning sets its own rate
                .graphBuilder()
                .addInputs(OnnxOps.INPUT)
                .setInputTypes(mapping.inputType());
        for (var vertex : mapping.vertices()) {
            if (vertex.layer() != null) {
                builder.addLayer(vertex.name(), vertex.layer(), vertex.inputs().toArray(String[]::new));
            } else {
                builder.addVertex(vertex.name(), vertex.vertex(), vertex.inputs().toArray(String[]::new));
            }
        }
        builder.setOutputs(mapping.output());
        ComputationGraph graph;
        try {
            graph = new ComputationGraph(builder.build());
            graph.init();
        } catch (RuntimeException e) {
            throw new BadInputException(onnx.origin() + " maps to a DL4J graph that DL4J refuses (" + e.getMessage()
                    + "); the shapes of its layers do not chain", e);
        }
        for (var vertex : mapping.vertices()) {
            for (var param : vertex.params().entrySet()) {
                var target = graph.getLayer(vertex.name()).getParam(param.getKey());
                var value = param.getValue();
                if (target.length() != value.length()) {
                    throw new BadInputException(onnx.origin() + ": parameter " + param.getKey() + " of layer " + vertex.name() + " (from node '"
                            + vertex.source() + "') has " + value.length() + " values where DL4J expects " + target.length());
                }
                target.assign(value.reshape(target.shape()));
            }
        }
        var net = Network.of(graph);
        try {
            net.inputShape();
        } catch (BadInputException e) {
            // the input's size is read off the first layer that takes it: a layer with weights, pooling or padding
            throw new BadInputException(onnx.origin() + ": its input '" + onnx.input() + "' goes first into an op that does not say "
                    + "how many values an example has; Secateur maps graphs whose input goes first into a convolution, a dense "
                    + "layer, pooling or padding (move any normalisation of the input into the data block: mean:, std:)", e);
        }
        return net;
    }

    /**
     * One vertex of the graph to build: a layer with the values of its parameters, or a parameterless vertex.
     *
     * @param source the ONNX node it comes from, for messages
     */
    record Vertex(String name, Layer layer, GraphVertex vertex, List<String> inputs, Map<String, INDArray> params, String source) {
        static Vertex layer(String name, Layer layer, String input, String source) {
            return new Vertex(name, layer, null, List.of(input), new LinkedHashMap<>(), source);
        }

        static Vertex vertex(String name, GraphVertex vertex, List<String> inputs, String source) {
            return new Vertex(name, null, vertex, List.copyOf(inputs), Map.of(), source);
        }
    }

    /** What the mapping produced: the vertices in order, the input type and the output vertex. */
    record Mapping(InputType inputType, List<Vertex> vertices, String output) {
    }
}
