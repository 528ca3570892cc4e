package dev.secateur.model.onnx;

import onnx.Onnx;
import dev.secateur.model.ActivationHardSwish;
import java.util.HashSet;
import java.util.Set;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationHardSigmoid;
import org.nd4j.linalg.activations.impl.ActivationHardTanH;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;

/**
 * Activations: folded into the convolution or dense layer before them when nothing else reads that layer, else a
 * layer of their own; Clip as ReLU6, ReLU or HardTanh; HardSigmoid, and HardSigmoid times its own input as hard
 * swish; Softmax and LogSoftmax only after the head, whose output layer applies the softmax itself.
 */
final class ActivationOps {

    private final OnnxOps ops;
    /** Mul nodes that with the HardSigmoid before them compute hard swish, as torch exports it below opset 14. */
    private final Set<Onnx.NodeProto> hardSwishes = new HashSet<>();

    ActivationOps(OnnxOps ops) {
        this.ops = ops;
    }

    void activation(Onnx.NodeProto node, IActivation activation, NodeAttributes a) {
        var x = ops.value(node.getInput(0), "node '" + node.getName() + "'");
        var producer = ops.vertex(x.vertex());
        // DL4J's batch normalisation ignores its activation function, so an activation after it stays a layer of its own
        boolean foldable = producer != null && producer.layer() instanceof BaseLayer base && !(producer.layer() instanceof OutputLayer)
                && !(producer.layer() instanceof BatchNormalization)
                && base.getActivationFn() instanceof ActivationIdentity && ops.foldsInto(producer, node.getInput(0));
        if (foldable) {
            ((BaseLayer) producer.layer()).setActivationFn(activation);
            ops.put(node.getOutput(0), x);
        } else {
            ops.addLayer(node, new ActivationLayer.Builder().activation(activation).build(), x.vertex(), x.shape());
        }
    }

    IActivation clip(Onnx.NodeProto node, NodeAttributes a) {
        double min = a.real("min", Double.NEGATIVE_INFINITY);
        double max = a.real("max", Double.POSITIVE_INFINITY);
        var low = ops.constant(node, 1, "minimum");
        var high = ops.constant(node, 2, "maximum");
        if (low != null) {
            min = low.floats().getDouble(0);
        }
        if (high != null) {
            max = high.floats().getDouble(0);
        }
        if (min == 0 && max == 6) {
            return new ActivationReLU6();
        }
        if (min == 0 && Double.isInfinite(max)) {
            return new ActivationReLU();
        }
        if (min == -1 && max == 1) {
            return new ActivationHardTanH();
        }
        throw a.refuse("clips to [" + min + ", " + max + "]; Secateur maps Clip to [0, 6] (ReLU6), [0, ∞) (ReLU) and [-1, 1] (HardTanh)");
    }

    /**
     * HardSigmoid: DL4J's hard sigmoid when its slope and offset are ONNX's defaults; with slope 1/6 and offset 0.5,
     * followed by a Mul of its own input, hard swish (how torch exports Hardswish below opset 14).
     */
    void hardSigmoid(Onnx.NodeProto node, NodeAttributes a) {
        double alpha = a.real("alpha", 0.2);
        double beta = a.real("beta", 0.5);
        var readersOf = ops.onnx.nodes().stream().filter(n -> n.getInputList().contains(node.getOutput(0))).toList();
        if (Math.abs(alpha - 1.0 / 6) < 1e-6 && beta == 0.5 && readersOf.size() == 1 && ops.readers(node.getOutput(0)) == 1) {
            var mul = readersOf.get(0);
            if (mul.getOpType().equals("Mul") && mul.getInputList().contains(node.getInput(0))) {
                hardSwishes.add(mul);
                return;
            }
        }
        if (Math.abs(alpha - 0.2) < 1e-6 && beta == 0.5) {
            activation(node, new ActivationHardSigmoid(), a);
            return;
        }
        throw a.refuse("has slope " + alpha + " and offset " + beta + "; Secateur maps HardSigmoid with ONNX's defaults (0.2, 0.5), "
                + "and with (1/6, 0.5) times its own input as hard swish");
    }

    void hardSwish(Onnx.NodeProto node, NodeAttributes a) {
        if (!hardSwishes.contains(node)) {
            throw a.refuse("multiplies tensors; Secateur maps Mul only as x · HardSigmoid(x), which is hard swish");
        }
        var x = node.getInputList().stream().filter(ops::computed).filter(t -> !isHardSigmoidOutput(t)).findFirst().orElseThrow();
        activation(Onnx.NodeProto.newBuilder(node).clearInput().addInput(x).build(), new ActivationHardSwish(), a);
    }

    private boolean isHardSigmoidOutput(String tensor) {
        return ops.onnx.nodes().stream().anyMatch(n -> n.getOpType().equals("HardSigmoid") && n.getOutput(0).equals(tensor));
    }

    /** Softmax and LogSoftmax only after the head, whose output layer applies the softmax itself. */
    void afterHead(Onnx.NodeProto node, NodeAttributes a) {
        var x = ops.value(node.getInput(0), "node '" + node.getName() + "'");
        var producer = ops.vertex(x.vertex());
        if (producer == null || !(producer.layer() instanceof OutputLayer)) {
            throw a.refuse("is not right after the classifier head; Secateur maps Softmax and LogSoftmax only as the head's output");
        }
        long axis = a.integer("axis", ops.onnx.opset() < 13 ? 1 : -1);
        if (axis != 1 && axis != -1) {
            throw a.refuse("normalises along axis " + axis + "; Secateur maps Softmax and LogSoftmax over the classes (axis 1 or -1)");
        }
        ops.put(node.getOutput(0), x);
    }
}
