package dev.secateur.model.onnx;

import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * DL4J's {@link SubsetVertex} on a slice of an image's channels: DL4J M2.1 computes the slice's channel count
 * as {@code from - to + 1} for images, negative for any slice wider than one channel; this corrects it.
 */
public final class ChannelSubsetVertex extends SubsetVertex {

    public ChannelSubsetVertex(@JsonProperty("from") int from, @JsonProperty("to") int to) {
        super(from, to);
    }

    @Override
    public ChannelSubsetVertex clone() {
        return new ChannelSubsetVertex(getFrom(), getTo());
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        if (vertexInputs.length == 1 && vertexInputs[0] instanceof InputType.InputTypeConvolutional conv) {
            return InputType.convolutional(conv.getHeight(), conv.getWidth(), getTo() - getFrom() + 1);
        }
        return super.getOutputType(layerIndex, vertexInputs);
    }
}
