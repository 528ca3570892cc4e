package dev.secateur.model.gpt;

import java.util.Arrays;
import java.util.Collection;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.Distribution;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * gpt-tiny's linear layers: DL4J's dense layer, with a forward pass that writes its product straight into a
 * column-major activation. DL4J's own allocates a row-major one, so its product goes to a column-major temporary
 * and is copied over, which was two fifths of the layer's forward time on gpt-tiny's token rows; and with the identity
 * as activation its backward pass does not compute the forward product again. Weights, bias, activation, gradients and
 * parameters are the dense layer's, and Secateur prunes it as one.
 */
public final class TokenLinear extends DenseLayer {

    public TokenLinear() {
        // for JSON
    }

    public TokenLinear(int in, int out, Activation activation, Distribution init) {
        setNIn(in);
        setNOut(out);
        setActivationFn(activation.getActivationFunction());
        setWeightInitFn(new WeightInitDistribution(init));
        setBiasInit(0);
        setHasBias(true);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        if (!hasBias() || hasLayerNorm()) {
            // the faster passes assume a bias and no layer norm of DL4J's own; anything else runs as DL4J's dense layer
            return super.instantiate(conf, listeners, layerIndex, paramsView, initializeParams, networkDataType);
        }
        return GptLayers.instantiate(new Instance(conf, networkDataType), conf, listeners, layerIndex, paramsView, initializeParams);
    }

    static final class Instance extends org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer {

        Instance(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(forBackprop);
            applyDropOutIfNecessary(training, workspaceMgr);
            INDArray w = getParamWithNoise(DefaultParamInitializer.WEIGHT_KEY, training, workspaceMgr);
            INDArray b = getParamWithNoise(DefaultParamInitializer.BIAS_KEY, training, workspaceMgr);
            INDArray x = input.castTo(dataType);
            if (x.rank() != 2 || x.columns() != w.rows()) {
                throw new DL4JInvalidInputException("layer " + layerId() + " expects rows of " + w.rows() + " features, got an array of shape "
                        + Arrays.toString(x.shape()));
            }
            INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, w.dataType(), new long[]{x.rows(), w.columns()}, 'f');
            x.mmuli(w, z);
            z.addiRowVector(b);
            if (maskArray != null) {
                applyMask(z);
            }
            return new Pair<>(z, z);
        }

        /**
         * With the identity as activation, dL/dz is the incoming epsilon, so the product of the forward pass is not
         * needed again; DL4J's backward pass recomputes it for every activation. Any other activation goes that way.
         */
        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            if (!(layerConf().getActivationFn() instanceof ActivationIdentity) || maskArray != null) {
                return super.backpropGradient(epsilon, workspaceMgr);
            }
            assertInputSet(true);
            INDArray w = getParamWithNoise(DefaultParamInitializer.WEIGHT_KEY, true, workspaceMgr);
            var gradient = new DefaultGradient();
            INDArray biasGradient = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
            epsilon.sum(biasGradient, 0);
            gradient.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGradient);
            INDArray weightGradient = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
            // dL/dW = xᵀ·ε into the gradient view; dL/dx = ε·Wᵀ, written as (W·εᵀ)ᵀ into a column-major array
            Nd4j.gemm(input.castTo(weightGradient.dataType()), epsilon, weightGradient, true, false, 1.0, 0.0);
            gradient.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGradient);
            INDArray inputGradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(),
                    new long[]{w.rows(), epsilon.rows()}, 'f');
            inputGradient = w.mmuli(epsilon.transpose(), inputGradient).transpose();
            weightNoiseParams.clear();
            return new Pair<>(gradient, backpropDropOutIfPresent(inputGradient));
        }
    }
}
