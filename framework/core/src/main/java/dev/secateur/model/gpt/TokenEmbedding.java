package dev.secateur.model.gpt;

import dev.secateur.errors.BadInputException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Objects;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Token and learned position embeddings. Its input is a sequence of {@code context} token ids per row (as floats,
 * {@code [B, T]}), and it writes one row of {@code width} per token ({@code [B·T, d]}): the token's embedding plus its
 * position's. Every layer after it works on these token rows, so the linear layers are plain dense layers and a
 * layer's inputs are its rows. Parameters: {@code W} [vocabulary, width] for tokens, {@code P} [context, width].
 */
public final class TokenEmbedding extends ShapedLayer {

    public static final String TOKENS = "W";
    public static final String POSITIONS = "P";

    @JsonProperty
    private int vocabulary;

    private TokenEmbedding() {
        // for JSON
    }

    public TokenEmbedding(int vocabulary, int context, int width) {
        setNIn(context);
        setNOut(width);
        this.vocabulary = vocabulary;
    }

    public int vocabulary() {
        return vocabulary;
    }

    @Override
    public LinkedHashMap<String, long[]> paramShapes() {
        var shapes = new LinkedHashMap<String, long[]>();
        shapes.put(TOKENS, new long[]{vocabulary, getNOut()});
        shapes.put(POSITIONS, new long[]{getNIn(), getNOut()});
        return shapes;
    }

    @Override
    public boolean isBias(String key) {
        return false;
    }

    @Override
    public void initialize(String key, INDArray view) {
        // tokens N(0, 1), as nn.Embedding draws them; positions 0, as peer.py's twin starts them
        if (TOKENS.equals(key)) {
            view.assign(Nd4j.randn(view.dataType(), view.shape()));
        } else {
            view.assign(0);
        }
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // nIn is the context, fixed by the configuration
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenEmbedding other && super.equals(other) && vocabulary == other.vocabulary;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), vocabulary);
    }

    @Override
    BaseLayer<?> create(NeuralNetConfiguration conf, DataType dataType) {
        return new Instance(conf, dataType);
    }

    static final class Instance extends BaseLayer<TokenEmbedding> {

        Instance(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(false);
            int[] ids = ids();
            INDArray rows = Nd4j.pullRows(getParam(TOKENS), 1, ids);
            INDArray positions = getParam(POSITIONS);
            int context = (int) layerConf().getNIn();
            Nd4j.getExecutioner().exec(new BroadcastAddOp(bySequence(rows, context), positions, bySequence(rows, context), 1, 2));
            return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, rows);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(true);
            INDArray tokens = gradientViews.get(TOKENS);
            tokens.assign(sumRowsByToken(ids(), epsilon, tokens.shape()));
            INDArray positions = gradientViews.get(POSITIONS);
            positions.assign(bySequence(epsilon, (int) layerConf().getNIn()).sum(0));
            Gradient gradient = new DefaultGradient();
            gradient.gradientForVariable().put(TOKENS, tokens);
            gradient.gradientForVariable().put(POSITIONS, positions);
            return new Pair<>(gradient, null); // ids have no gradient
        }

        private int[] ids() {
            int vocabulary = layerConf().vocabulary;
            long context = layerConf().getNIn();
            if (input.rank() != 2 || input.columns() != context) {
                throw new BadInputException("gpt-tiny reads sequences of " + context + " token ids, one per row, but got an "
                        + "input of shape " + Arrays.toString(input.shape()));
            }
            int[] ids = input.castTo(DataType.INT).reshape(input.length()).toIntVector();
            for (int id : ids) {
                if (id < 0 || id >= vocabulary) {
                    throw new BadInputException("token id " + id + " is outside the vocabulary of " + vocabulary);
                }
            }
            return ids;
        }

        /**
         * Each token's gradient: the sum of the rows of the tokens that are it. Summed here in order rather than by
         * ND4J's scatter-add, whose parallel loop may lose additions when an id repeats, as a byte does many times
         * in every batch.
         */
        private static INDArray sumRowsByToken(int[] ids, INDArray rows, long[] shape) {
            int width = (int) shape[1];
            double[] sums = new double[Math.toIntExact(shape[0] * width)];
            double[] values = rows.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            for (int r = 0; r < ids.length; r++) {
                int to = ids[r] * width;
                int from = r * width;
                for (int c = 0; c < width; c++) {
                    sums[to + c] += values[from + c];
                }
            }
            return Nd4j.create(sums, shape, 'c').castTo(rows.dataType());
        }

        private static INDArray bySequence(INDArray rows, int context) {
            return rows.reshape('c', rows.rows() / context, context, rows.columns());
        }

        @Override
        public boolean isPretrainLayer() {
            return false;
        }

        @Override
        public Type type() {
            return Type.FEED_FORWARD;
        }
    }
}
