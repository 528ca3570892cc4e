package dev.secateur.model.gpt;

import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Multi-head causal attention over token rows, with no parameters of its own. It reads the query, key and value
 * rows ({@code [B·T, d]} each, from three dense layers, in that order) and writes the heads' outputs side by side,
 * {@code [B·T, d]}, for the output projection: softmax(QKᵀ/√(d/h) + M)·V per head, where M hides every later
 * token. Head h owns columns h·d/h .. (h+1)·d/h − 1 of Q, K, V and of the output, which is how heads are removed.
 */
public final class CausalSelfAttention extends GraphVertex {

    @JsonProperty
    private int heads;
    @JsonProperty
    private int context;
    @JsonProperty
    private int width;

    private CausalSelfAttention() {
        // for JSON
    }

    public CausalSelfAttention(int heads, int context, int width) {
        this.heads = heads;
        this.context = context;
        this.width = width;
    }

    public int heads() {
        return heads;
    }

    public int width() {
        return width;
    }

    /**
     * FLOPs per sequence of the attention itself, counted like a layer's (2 per multiply-accumulate): QKᵀ and the
     * weighted sum of V, each T·T·width multiply-accumulates, as this vertex computes them (the causal mask hides
     * the future after the product, it does not skip it). The softmax is not counted.
     */
    public long flops() {
        return 4L * context * context * width;
    }

    /** The same attention over {@code width} channels, with as many heads as fit at the present head width. */
    public CausalSelfAttention withWidth(int width) {
        int headWidth = this.width / heads;
        if (width < headWidth || width % headWidth != 0) {
            throw new IllegalArgumentException("attention width " + width + " is not a whole number of heads of width " + headWidth);
        }
        return new CausalSelfAttention(width / headWidth, context, width);
    }

    @Override
    public CausalSelfAttention clone() {
        return new CausalSelfAttention(heads, context, width);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CausalSelfAttention other && heads == other.heads && context == other.context && width == other.width;
    }

    @Override
    public int hashCode() {
        return Objects.hash(heads, context, width);
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 3;
    }

    @Override
    public int maxVertexInputs() {
        return 3;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int index,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType dataType) {
        return new Instance(graph, name, index, this, dataType);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... inputs) {
        return InputType.feedForward(width);
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputs) {
        return new LayerMemoryReport.Builder(null, CausalSelfAttention.class, inputs[0], inputs[0])
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS).build();
    }

    static final class Instance extends BaseGraphVertex {

        private final int heads;
        private final int context;
        private final int width;
        private final double scale;
        /** 0 where a token may attend, −∞ where the key lies in its future; [T, T], built once, outside any workspace. */
        private final INDArray future;

        Instance(ComputationGraph graph, String name, int index, CausalSelfAttention conf, DataType dataType) {
            super(graph, name, index, null, null, dataType);
            this.heads = conf.heads;
            this.context = conf.context;
            this.width = conf.width;
            this.scale = 1.0 / Math.sqrt((double) width / heads);
            double[] mask = new double[context * context];
            for (int i = 0; i < context; i++) {
                for (int j = i + 1; j < context; j++) {
                    mask[i * context + j] = Double.NEGATIVE_INFINITY;
                }
            }
            this.future = Nd4j.createFromArray(mask).castTo(dataType).reshape('c', context, context);
        }

        /** [B·T, d] rows as [B, heads, T, d/heads]. */
        private INDArray byHead(INDArray rows) {
            return rows.reshape('c', rows.rows() / context, context, heads, width / heads).permute(0, 2, 1, 3).dup('c');
        }

        /** [B, heads, T, d/heads] back to [B·T, d] rows. */
        private INDArray byRow(INDArray heads4) {
            return heads4.permute(0, 2, 1, 3).dup('c').reshape('c', heads4.size(0) * context, width);
        }

        /** The attention weights softmax(QKᵀ/√(d/h) + M), [B, heads, T, T]. */
        private INDArray weights(INDArray q, INDArray k) {
            INDArray scores = Nd4j.matmul(q, k, false, true, false).muli(scale);
            Nd4j.getExecutioner().exec(new BroadcastAddOp(scores, future, scores, 2, 3));
            return Nd4j.exec(new SoftMax(scores, scores, 3))[0];
        }

        @Override
        public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
            if (!canDoForward()) {
                throw new IllegalStateException("attention " + vertexName + ": inputs not set");
            }
            INDArray out = byRow(Nd4j.matmul(weights(byHead(inputs[0]), byHead(inputs[1])), byHead(inputs[2])));
            return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, out);
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            if (!canDoBackward()) {
                throw new IllegalStateException("attention " + vertexName + ": errors not set");
            }
            INDArray q = byHead(inputs[0]);
            INDArray k = byHead(inputs[1]);
            INDArray v = byHead(inputs[2]);
            INDArray p = weights(q, k);
            INDArray dOut = byHead(epsilon);
            INDArray dV = Nd4j.matmul(p, dOut, true, false, false);
            INDArray dP = Nd4j.matmul(dOut, v, false, true, false);
            // softmax: dS = P ⊙ (dP − Σ_j dP·P), then the scale
            // subtracted along the rows by a broadcast op: materialising the broadcast took a sixth of a training step
            INDArray rowSums = dP.mul(p).sum(3);
            Nd4j.getExecutioner().exec(new BroadcastSubOp(dP, rowSums, dP, 0, 1, 2));
            INDArray dS = dP.muli(p).muli(scale);
            INDArray dQ = Nd4j.matmul(dS, k);
            INDArray dK = Nd4j.matmul(dS, q, true, false, false);
            INDArray[] out = {byRow(dQ), byRow(dK), byRow(dV)};
            for (int i = 0; i < out.length; i++) {
                out[i] = workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, out[i]);
            }
            return new Pair<>(null, out);
        }

        @Override
        public boolean hasLayer() {
            return false;
        }

        @Override
        public Layer getLayer() {
            return null;
        }

        @Override
        public void setBackpropGradientsViewArray(INDArray view) {
            if (view != null) {
                throw new IllegalStateException("attention has no parameters");
            }
        }

        @Override
        public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] masks, MaskState state, int minibatchSize) {
            return masks == null || masks.length == 0 ? null : new Pair<>(masks[0], state);
        }

        @Override
        public String toString() {
            return "CausalSelfAttention(" + vertexName + ", heads " + heads + ", width " + width + ")";
        }
    }
}
