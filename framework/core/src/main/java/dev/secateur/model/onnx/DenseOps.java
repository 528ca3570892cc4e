package dev.secateur.model.onnx;

import dev.secateur.model.onnx.OnnxOps.Kind;
import dev.secateur.model.onnx.OnnxOps.Shape;
import dev.secateur.model.onnx.OnnxOps.Value;
import onnx.Onnx;
import java.util.List;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The ops with weights besides convolutions: Gemm and MatMul (a dense layer, or the classifier head, which becomes
 * a softmax output layer), the Add that is a MatMul's bias or a residual join, and BatchNormalization.
 */
final class DenseOps {

    private final OnnxOps ops;

    DenseOps(OnnxOps ops) {
        this.ops = ops;
    }

    void gemm(Onnx.NodeProto node, NodeAttributes a) {
        if (a.integer("transA", 0) != 0) {
            throw a.refuse("has transA=1; Secateur maps Gemm with the batch as the first input's rows (transA=0)");
        }
        var x = ops.value(node.getInput(0), "node '" + node.getName() + "'");
        var b = ops.floats(node, 1, "weights");
        if (b == null || b.rank() != 2) {
            throw a.refuse("has no 2-D weight initializer as its second input");
        }
        var w = (a.integer("transB", 0) != 0 ? b.transpose() : b).mul(a.real("alpha", 1.0));
        var c = ops.floats(node, 2, "bias");
        long outputs = w.size(1);
        if (c != null && c.length() != outputs && c.length() != 1) {
            throw a.refuse("has a bias of " + c.length() + " values for " + outputs + " outputs; give one per output, or one for all");
        }
        // a single value broadcasts over the outputs, as ONNX allows
        var bias = c == null ? null : (c.length() == 1 ? Nd4j.valueArrayOf(new long[]{outputs}, c.getFloat(0)) : c)
                .mul(a.real("beta", 1.0));
        dense(node, x, w, bias);
    }

    void matMul(Onnx.NodeProto node, NodeAttributes a) {
        var x = ops.value(node.getInput(0), "node '" + node.getName() + "'");
        var w = ops.floats(node, 1, "weights");
        if (w == null || w.rank() != 2) {
            throw a.refuse("has no 2-D weight initializer as its second input; Secateur maps MatMul as a dense layer");
        }
        dense(node, x, w, null);
    }

    void dense(Onnx.NodeProto node, Value x, INDArray w, INDArray bias) {
        if (x.shape().kind() == Kind.IMAGE) {
            throw new NodeAttributes(node, ops.onnx.origin()).refuse("reads an image tensor " + x.shape() + " without a Flatten before it");
        }
        long nIn = w.size(0);
        long nOut = w.size(1);
        if (nIn != x.shape().features()) {
            throw new NodeAttributes(node, ops.onnx.origin()).refuse("has weights for " + nIn + " inputs but reads a tensor of shape " + x.shape());
        }
        FeedForwardLayer layer = ops.isHead(node)
                ? new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(new ActivationSoftmax()).nIn(nIn).nOut(nOut).hasBias(bias != null).build()
                : new DenseLayer.Builder().activation(new ActivationIdentity()).nIn(nIn).nOut(nOut).hasBias(bias != null).build();
        var vertex = ops.addLayer(node, layer, x.vertex(), Shape.flat(nOut));
        vertex.params().put("W", w);
        if (bias != null) {
            vertex.params().put("b", bias.reshape(1, nOut));
        }
    }

    /** Add: a residual join of two computed tensors, or the bias of the MatMul before it. */
    void add(Onnx.NodeProto node, NodeAttributes a) {
        if (node.getInputCount() != 2) {
            throw a.refuse("has " + node.getInputCount() + " inputs; Secateur maps Add of two tensors");
        }
        var constants = node.getInputList().stream().filter(ops.onnx.constants()::containsKey).toList();
        if (constants.size() == 1) {
            var other = node.getInput(0).equals(constants.get(0)) ? node.getInput(1) : node.getInput(0);
            var x = ops.value(other, "node '" + node.getName() + "'");
            var layer = ops.vertex(x.vertex());
            var bias = ops.onnx.constants().get(constants.get(0)).floats();
            boolean biasOfMatMul = layer != null && layer.layer() instanceof FeedForwardLayer ff && !(layer.layer() instanceof BatchNormalization)
                    && layer.params().containsKey("W") && !layer.params().containsKey("b") && x.shape().kind() == Kind.FLAT
                    && ops.foldsInto(layer, other) && bias != null && bias.length() == x.shape().channels();
            if (!biasOfMatMul) {
                throw a.refuse("adds a constant to a tensor; Secateur maps a constant Add only as the bias of the MatMul right before it");
            }
            if (layer.layer() instanceof DenseLayer dense) {
                dense.setHasBias(true);
            } else {
                ((OutputLayer) layer.layer()).setHasBias(true);
            }
            layer.params().put("b", bias.reshape(1, bias.length()));
            ops.put(node.getOutput(0), x);
            ops.folded(layer, node.getOutput(0)); // an activation after the bias folds in too
            return;
        }
        var left = ops.value(node.getInput(0), "node '" + node.getName() + "'");
        var right = ops.value(node.getInput(1), "node '" + node.getName() + "'");
        if (!left.shape().equals(right.shape())) {
            throw a.refuse("adds tensors of shapes " + left.shape() + " and " + right.shape() + "; Secateur maps Add of equal shapes (no broadcasting)");
        }
        var vertex = ops.addVertex(node, "", new ElementWiseVertex(ElementWiseVertex.Op.Add), List.of(left.vertex(), right.vertex()));
        ops.put(node.getOutput(0), new Value(vertex.name(), left.shape()));
    }

    void batchNorm(Onnx.NodeProto node, NodeAttributes a) {
        if (a.integer("training_mode", 0) != 0 || node.getOutputCount() > 1 && !node.getOutput(1).isEmpty()) {
            throw a.refuse("is in training mode; export the model in eval mode (model.eval()) so that batch normalisation uses its running statistics");
        }
        var x = ops.value(node.getInput(0), "node '" + node.getName() + "'");
        long c = x.shape().channels();
        var vertex = ops.addLayer(node, new BatchNormalization.Builder().nIn(c).nOut(c).eps(a.real("epsilon", 1e-5)).useLogStd(false)
                .activation(new ActivationIdentity()).build(), x.vertex(), x.shape());
        String[] keys = {"gamma", "beta", "mean", "var"};
        for (int i = 0; i < keys.length; i++) {
            var values = ops.floats(node, i + 1, keys[i]);
            if (values == null || values.length() != c) {
                throw a.refuse("needs " + keys[i] + " for " + c + " channels as an initializer");
            }
            vertex.params().put(keys[i], values.reshape(1, c));
        }
    }
}
