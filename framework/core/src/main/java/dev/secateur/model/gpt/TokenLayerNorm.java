package dev.secateur.model.gpt;

import java.util.LinkedHashMap;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Layer normalisation of each token row (Ba et al. 2016), y = g·(x − μ)/√(σ² + ε) + b with μ and σ² the row's mean
 * and (biased) variance, as PyTorch's {@code LayerNorm}. Parameters: gain {@code g} and bias {@code b}, [width].
 */
public final class TokenLayerNorm extends ShapedLayer {

    public static final String GAIN = "g";
    public static final String BIAS = "b";
    static final double EPSILON = 1e-5;

    private TokenLayerNorm() {
        // for JSON
    }

    public TokenLayerNorm(int width) {
        setNIn(width);
        setNOut(width);
    }

    @Override
    public LinkedHashMap<String, long[]> paramShapes() {
        var shapes = new LinkedHashMap<String, long[]>();
        shapes.put(GAIN, new long[]{getNOut()});
        shapes.put(BIAS, new long[]{getNOut()});
        return shapes;
    }

    @Override
    public boolean isBias(String key) {
        return BIAS.equals(key);
    }

    @Override
    public void initialize(String key, INDArray view) {
        view.assign(GAIN.equals(key) ? 1 : 0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenLayerNorm && super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }

    @Override
    BaseLayer<?> create(NeuralNetConfiguration conf, DataType dataType) {
        return new Instance(conf, dataType);
    }

    static final class Instance extends BaseLayer<TokenLayerNorm> {

        Instance(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        /** x̂ = (x − μ)/√(σ² + ε) for each row, and 1/√(σ² + ε) as a column. */
        private INDArray[] normalised() {
            INDArray mean = input.mean(true, 1);
            INDArray centred = input.subColumnVector(mean);
            INDArray variance = centred.mul(centred).mean(true, 1);
            INDArray inverseStd = Transforms.pow(variance.addi(EPSILON), -0.5, false);
            return new INDArray[]{centred.muliColumnVector(inverseStd), inverseStd};
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(false);
            INDArray y = normalised()[0].muliRowVector(getParam(GAIN)).addiRowVector(getParam(BIAS));
            return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, y);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(true);
            INDArray[] norm = normalised();
            INDArray xHat = norm[0];
            INDArray inverseStd = norm[1];
            INDArray gain = gradientViews.get(GAIN);
            gain.assign(epsilon.mul(xHat).sum(0));
            INDArray bias = gradientViews.get(BIAS);
            bias.assign(epsilon.sum(0));
            // dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) / √(σ² + ε), with dx̂ = dy·g
            INDArray dxHat = epsilon.mulRowVector(getParam(GAIN));
            INDArray dx = dxHat.subColumnVector(dxHat.mean(true, 1))
                    .subi(xHat.mulColumnVector(dxHat.mul(xHat).mean(true, 1)))
                    .muliColumnVector(inverseStd);
            Gradient gradient = new DefaultGradient();
            gradient.gradientForVariable().put(GAIN, gain);
            gradient.gradientForVariable().put(BIAS, bias);
            return new Pair<>(gradient, workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, dx));
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
