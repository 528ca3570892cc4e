package dev.secateur.model;

import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The networks that Secateur's own dense training loop trains in place of DL4J's {@code fit}: float dense layers with
 * a bias and plain ReLU or no activation, then a softmax output
 * layer, without layer normalisation, dropout or weight noise. Each user adds what it needs besides.
 */
public final class PlainPerceptron {

    private PlainPerceptron() {
    }

    /** Null when {@code net} is such a network; otherwise the first reason it is not. */
    public static String unsupported(MultiLayerNetwork net) {
        if (net.params().dataType() != DataType.FLOAT) {
            return "its parameters are " + net.params().dataType() + ", not FLOAT";
        }
        for (int i = 0; i < net.getnLayers(); i++) {
            var conf = net.getLayer(i).conf().getLayer();
            boolean last = i == net.getnLayers() - 1;
            if (!(last ? conf.getClass() == OutputLayer.class : conf.getClass() == DenseLayer.class)) {
                return "layer " + i + " is a " + conf.getClass().getSimpleName();
            }
            var layer = (BaseLayer) conf;
            var activation = layer.getActivationFn();
            if (last ? !(activation instanceof ActivationSoftmax) : !ActivationKinds.plainRelu(activation) && !(activation instanceof ActivationIdentity)) {
                return "layer " + i + " has activation " + activation;
            }
            if (conf instanceof DenseLayer dense && dense.hasLayerNorm()) {
                return "layer " + i + " has layer normalisation";
            }
            if (!net.getLayer(i).paramTable().containsKey(DefaultParamInitializer.BIAS_KEY) || layer.getIDropout() != null
                    || layer.getWeightNoise() != null) {
                return "layer " + i + " has no bias, or has dropout or weight noise";
            }
        }
        return null;
    }
}
