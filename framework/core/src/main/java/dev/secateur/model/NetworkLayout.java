package dev.secateur.model;

import dev.secateur.spi.LayerKind;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;

/**
 * The one place that knows which DL4J layer types Secateur can prune and how their weights are laid out.
 * Other layers (pooling, batch norm, recurrent, ...) are kept whole.
 */
public final class NetworkLayout {

    private NetworkLayout() {
    }

    /** The prunable weight parameters of a network, in layer order. */
    public static List<PrunableParam> prunable(MultiLayerNetwork net) {
        var params = new ArrayList<PrunableParam>();
        for (int i = 0; i < net.getnLayers(); i++) {
            Layer layer = net.getLayer(i);
            int index = i;
            kindOf(layer).ifPresent(kind -> params.add(new PrunableParam(ParamRef.weights(index), kind,
                    layer.getParam("W").shape(),
                    layer.paramTable().containsKey("b") ? layer.getParam("b").shape() : null, coupled(net, index))));
        }
        return params;
    }

    /**
     * The scale and shift of the batch normalisations that directly follow layer {@code index} (through
     * activation and dropout layers): per channel, they belong to that layer's units.
     */
    private static List<ParamRef> coupled(MultiLayerNetwork net, int index) {
        var refs = new ArrayList<ParamRef>();
        for (int i = index + 1; i < net.getnLayers(); i++) {
            var conf = net.getLayer(i).conf().getLayer();
            if (conf instanceof BatchNormalization) {
                refs.add(new ParamRef(i, BatchNormalizationParamInitializer.GAMMA));
                refs.add(new ParamRef(i, BatchNormalizationParamInitializer.BETA));
            } else if (!(conf instanceof ActivationLayer) && !(conf instanceof DropoutLayer)) {
                break;
            }
        }
        return refs;
    }

    /** The kind of a layer, if Secateur can prune it. Subclasses with other weight layouts are refused. */
    public static Optional<LayerKind> kindOf(Layer layer) {
        var conf = layer.conf().getLayer();
        if (conf.getClass() == OutputLayer.class) {
            return Optional.of(LayerKind.OUTPUT);
        }
        if (conf.getClass() == ConvolutionLayer.class) {
            return Optional.of(LayerKind.CONVOLUTION);
        }
        if (conf.getClass() == DenseLayer.class) {
            return Optional.of(LayerKind.DENSE);
        }
        return Optional.empty();
    }
}
