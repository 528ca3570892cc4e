package dev.secateur.model.onnx;

import static dev.secateur.model.onnx.OnnxGraph.attribute;

import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;

/** A ComputationGraph's vertices other than layers, and DL4J's input preprocessors, as ONNX nodes. */
final class OnnxVertices {

    /** What {@link #emit} writes, for error messages. */
    static final String SUPPORTED = "ElementWiseVertex (add, subtract, product, average, max), MergeVertex, SubsetVertex, "
            + "PreprocessorVertex";

    /** The preprocessors {@link #preprocess} writes, for error messages. */
    static final String SUPPORTED_PREPROCESSORS = "CnnToFeedForwardPreProcessor, FeedForwardToCnnPreProcessor";

    private final OnnxGraph graph;

    OnnxVertices(OnnxGraph graph) {
        this.graph = graph;
    }

    /** Why this vertex has no ONNX form here, or empty when {@link #emit} writes it. */
    static Optional<String> refusal(GraphVertex vertex) {
        if (vertex instanceof ElementWiseVertex || vertex instanceof MergeVertex || vertex instanceof SubsetVertex) {
            return Optional.empty();
        }
        if (vertex instanceof PreprocessorVertex pre) {
            return refusal(pre.getPreProcessor());
        }
        return Optional.of("it has no ONNX form in Secateur's export; supported: " + SUPPORTED);
    }

    /** Why this preprocessor has no ONNX form here, or empty when {@link #preprocess} writes it. */
    static Optional<String> refusal(InputPreProcessor pre) {
        if (pre instanceof CnnToFeedForwardPreProcessor flatten && flatten.getFormat() != CNN2DFormat.NCHW) {
            return Optional.of("its CnnToFeedForwardPreProcessor flattens channels-last (NHWC) activations; only NCHW is written");
        }
        if (pre instanceof CnnToFeedForwardPreProcessor || pre instanceof FeedForwardToCnnPreProcessor) {
            return Optional.empty();
        }
        return Optional.of("its input preprocessor " + pre.getClass().getSimpleName() + " has no ONNX form in Secateur's export; "
                + "supported: " + SUPPORTED_PREPROCESSORS);
    }

    /** Writes {@code vertex} over the tensors {@code inputs} and returns the tensor it writes, named {@code name}. */
    String emit(GraphVertex vertex, String name, List<String> inputs) {
        if (vertex instanceof ElementWiseVertex elementWise) {
            return elementWise(elementWise.getOp(), name, inputs);
        } else if (vertex instanceof MergeVertex merge) {
            return graph.node("Concat", name, name, inputs, attribute("axis", (long) merge.getMergeAxis()));
        } else if (vertex instanceof SubsetVertex subset) {
            // DL4J's subset is channels from..to inclusive, on axis 1
            return graph.node("Slice", name, name, List.of(inputs.get(0), graph.longs(name + "_starts", subset.getFrom()),
                    graph.longs(name + "_ends", subset.getTo() + 1L), graph.longs(name + "_axes", 1)));
        } else if (vertex instanceof PreprocessorVertex pre) {
            return preprocess(pre.getPreProcessor(), name, name, inputs.get(0));
        }
        throw new IllegalArgumentException("no ONNX form for " + vertex.getClass().getSimpleName());
    }

    /**
     * Writes preprocessor {@code pre} of {@code input} in a node {@code node} that writes {@code output}.
     * DL4J flattens NCHW activations channel by channel, as ONNX's Flatten does, and unflattens them the same way.
     */
    String preprocess(InputPreProcessor pre, String node, String output, String input) {
        if (pre instanceof CnnToFeedForwardPreProcessor) {
            return graph.node("Flatten", node, output, List.of(input), attribute("axis", 1L));
        }
        var image = (FeedForwardToCnnPreProcessor) pre;
        String shape = graph.longs(node + "_shape", 0, image.getNumChannels(), image.getInputHeight(), image.getInputWidth());
        return graph.node("Reshape", node, output, List.of(input, shape));
    }

    private String elementWise(ElementWiseVertex.Op op, String name, List<String> inputs) {
        switch (op) {
            case Add:
                return graph.node(inputs.size() == 2 ? "Add" : "Sum", name, name, inputs);
            case Subtract:
                return graph.node("Sub", name, name, inputs);
            case Average:
                return graph.node("Mean", name, name, inputs);
            case Max:
                return graph.node("Max", name, name, inputs);
            case Product:
                String product = inputs.get(0);
                for (int i = 1; i < inputs.size(); i++) {
                    product = graph.node("Mul", i == inputs.size() - 1 ? name : name + "_" + i,
                            i == inputs.size() - 1 ? name : name + "_" + i, List.of(product, inputs.get(i)));
                }
                return product;
            default:
                throw new IllegalArgumentException("no ONNX form for element-wise " + op);
        }
    }
}
