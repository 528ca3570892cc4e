package dev.secateur.model.onnx;

import static dev.secateur.model.onnx.OnnxGraph.attribute;

import dev.secateur.model.ActivationHardSwish;
import dev.secateur.model.ActivationKinds;
import java.util.List;
import java.util.Optional;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationHardSigmoid;
import org.nd4j.linalg.activations.impl.ActivationHardTanH;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSELU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftPlus;
import org.nd4j.linalg.activations.impl.ActivationSoftSign;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.activations.impl.ActivationTanH;

/** DL4J's activation functions as ONNX nodes, each checked against DL4J's own values in {@code OnnxWriterTest}. */
final class OnnxActivations {

    /** What {@link #emit} writes, for error messages. */
    static final String SUPPORTED = "identity, relu (also with a max), leakyrelu, sigmoid, tanh, relu6, hardtanh, softmax, "
            + "hardswish, elu, selu, softplus, softsign, hardsigmoid, swish";

    private OnnxActivations() {
    }

    /** Whether {@code activation} writes no node. */
    static boolean isIdentity(IActivation activation) {
        return activation == null || activation instanceof ActivationIdentity;
    }

    /** Why {@code activation} cannot be written, or empty when it can. */
    static Optional<String> refusal(IActivation activation) {
        if (activation instanceof ActivationReLU relu && !plainRelu(relu) && !cappedRelu(relu)) {
            return Optional.of("activation " + activation + " (a threshold or a negative slope; ONNX's Relu has neither)");
        }
        return known(activation) ? Optional.empty()
                : Optional.of("activation " + activation + " (" + activation.getClass().getSimpleName() + "); supported: " + SUPPORTED);
    }

    /**
     * Writes {@code activation} of {@code input} into {@code output}, in nodes named {@code node} (and
     * {@code node}_2 where it takes two), and returns {@code output}. The identity writes an Identity node
     * only when it is a layer of its own ({@code standalone}); folded into a layer it writes nothing and returns
     * {@code input}.
     */
    static String emit(OnnxGraph graph, IActivation activation, String node, String input, String output, boolean standalone) {
        refusal(activation).ifPresent(why -> {
            throw new IllegalArgumentException(why);
        });
        if (isIdentity(activation)) {
            return standalone ? graph.node("Identity", node, output, List.of(input)) : input;
        }
        if (activation instanceof ActivationReLU relu) {
            return plainRelu(relu) ? graph.node("Relu", node, output, List.of(input))
                    : clip(graph, node, input, output, 0f, relu.getMax().floatValue());
        }
        if (activation instanceof ActivationLReLU leaky) {
            return graph.node("LeakyRelu", node, output, List.of(input), attribute("alpha", (float) leaky.getAlpha()));
        }
        if (activation instanceof ActivationReLU6) {
            return clip(graph, node, input, output, 0f, 6f);
        }
        if (activation instanceof ActivationHardTanH) {
            return clip(graph, node, input, output, -1f, 1f);
        }
        if (activation instanceof ActivationSoftmax) {
            // DL4J's softmax is over the features of a [N, F] activation: axis 1
            return graph.node("Softmax", node, output, List.of(input), attribute("axis", 1L));
        }
        if (activation instanceof ActivationELU elu) {
            return graph.node("Elu", node, output, List.of(input), attribute("alpha", (float) elu.getAlpha()));
        }
        if (activation instanceof ActivationHardSigmoid) {
            // DL4J's is min(1, max(0, 0.2x + 0.5)), ONNX's default slope and offset
            return graph.node("HardSigmoid", node, output, List.of(input), attribute("alpha", 0.2f), attribute("beta", 0.5f));
        }
        if (activation instanceof ActivationSwish) {
            String gate = graph.node("Sigmoid", node + "_gate", node + "_gate", List.of(input));
            return graph.node("Mul", node, output, List.of(input, gate));
        }
        return graph.node(opType(activation), node, output, List.of(input));
    }

    /** The ONNX op of an activation that takes no attribute, as in ONNX's operator list. */
    private static String opType(IActivation activation) {
        if (activation instanceof ActivationSigmoid) {
            return "Sigmoid";
        } else if (activation instanceof ActivationTanH) {
            return "Tanh";
        } else if (activation instanceof ActivationHardSwish) {
            return "HardSwish"; // opset 14; the writer raises the model's opset when it is used
        } else if (activation instanceof ActivationSELU) {
            return "Selu"; // ONNX's default alpha and gamma are DL4J's constants to float precision
        } else if (activation instanceof ActivationSoftPlus) {
            return "Softplus";
        } else if (activation instanceof ActivationSoftSign) {
            return "Softsign";
        }
        throw new IllegalArgumentException("no ONNX op for " + activation);
    }

    private static boolean known(IActivation a) {
        return isIdentity(a) || a instanceof ActivationReLU || a instanceof ActivationLReLU || a instanceof ActivationReLU6
                || a instanceof ActivationHardTanH || a instanceof ActivationSoftmax || a instanceof ActivationELU
                || a instanceof ActivationHardSigmoid || a instanceof ActivationSwish || a instanceof ActivationSigmoid
                || a instanceof ActivationTanH || a instanceof ActivationHardSwish || a instanceof ActivationSELU
                || a instanceof ActivationSoftPlus || a instanceof ActivationSoftSign;
    }

    private static boolean plainRelu(ActivationReLU relu) {
        return ActivationKinds.plainRelu(relu);
    }

    private static boolean cappedRelu(ActivationReLU relu) {
        return relu.getMax() != null && isZero(relu.getThreshold()) && isZero(relu.getNegativeSlope());
    }

    private static boolean isZero(Double value) {
        return value == null || value == 0.0;
    }

    /** Clip with its bounds as inputs, as opset 11 onwards takes them. */
    private static String clip(OnnxGraph graph, String node, String input, String output, float min, float max) {
        String low = graph.scalar(node + "_min", min);
        String high = graph.scalar(node + "_max", max);
        return graph.node("Clip", node, output, List.of(input, low, high));
    }
}
