package dev.secateur.model;

import dev.secateur.model.gpt.CausalSelfAttention;
import dev.secateur.model.gpt.NextTokenOutput;
import dev.secateur.model.gpt.TokenLinear;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationGELU;
import org.nd4j.linalg.activations.impl.ActivationHardTanH;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationTanH;

/**
 * The one place that knows which DL4J layer types Secateur can prune and how their weights are laid out.
 * Other layers (pooling, batch norm, recurrent, ...) are kept whole.
 */
public final class NetworkLayout {

    private NetworkLayout() {
    }

    /**
     * The prunable weight parameters of a network, in layer order. In a graph, layers joined by a residual
     * add carry each other: the first is the leader, with the others as its followers.
     */
    public static List<PrunableParam> prunable(Network net) {
        return net.isGraph() ? params(GraphLayout.groups(net.graph())) : prunable(net.sequential("layout"));
    }

    /** The prunable parameters behind a network's groups (every producer), in layer order, without analysing it again. */
    public static List<PrunableParam> params(List<UnitGroup> groups) {
        var params = new TreeMap<Integer, PrunableParam>();
        for (var group : groups) {
            group.producers().forEach(p -> params.put(p.weights().layer(), p));
        }
        return List.copyOf(params.values());
    }

    /** The unit groups of a network: one per prunable layer in a sequential network; residual adds join layers in a graph. */
    public static List<UnitGroup> groups(Network net) {
        return net.isGraph() ? GraphLayout.groups(net.graph()) : groups(net.sequential("layout"));
    }

    static PrunableParam param(Layer layer, int index, List<ParamRef> coupled) {
        return new PrunableParam(ParamRef.weights(index), kindOf(layer).orElseThrow(), layer.getParam("W").shape(),
                layer.paramTable().containsKey("b") ? layer.getParam("b").shape() : null, coupled);
    }

    /** The prunable weight parameters of a sequential network, in layer order. */
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

    /** Layers that pass channels through one to one. */
    private static final Set<Class<?>> CHANNEL_PRESERVING = Set.of(SubsamplingLayer.class,
            ActivationLayer.class, DropoutLayer.class, BatchNormalization.class, ZeroPaddingLayer.class);

    /**
     * The unit groups of a sequential network, one per prunable layer, in layer order. A layer's units
     * are removable when every layer up to the next prunable one passes channels through one to one,
     * every activation on the way maps 0 to 0 (so a unit with zero weights, bias and batch-norm shift
     * outputs exactly 0), and the next prunable layer reads them directly or through a flatten.
     */
    public static List<UnitGroup> groups(MultiLayerNetwork net) {
        var params = prunable(net);
        var groups = new ArrayList<UnitGroup>(params.size());
        for (int k = 0; k < params.size(); k++) {
            var param = params.get(k);
            var next = k + 1 < params.size() ? params.get(k + 1) : null;
            String keptWhole = param.kind() == LayerKind.OUTPUT ? "it is the output layer: its units are the classes"
                    : next == null ? "no prunable layer reads it, so Secateur cannot remove its units' inputs downstream"
                    : between(net, param, next);
            if (keptWhole == null) {
                keptWhole = activationBlocker(net, param, next);
            }
            var consumers = next == null ? List.<UnitGroup.Consumer>of()
                    : List.of(new UnitGroup.Consumer(next, rowsPerUnit(net, next)));
            groups.add(new UnitGroup(param.weights().toString(), param.units(), List.of(param), param.coupled(),
                    consumers, keptWhole));
        }
        return groups;
    }

    /** The layer kinds between two prunable layers that stop channels from being removed, or null if none do. */
    private static String between(MultiLayerNetwork net, PrunableParam from, PrunableParam to) {
        for (int i = from.weights().layer() + 1; i < to.weights().layer(); i++) {
            var layer = net.getLayer(i).conf().getLayer();
            if (!CHANNEL_PRESERVING.contains(layer.getClass())) {
                return "layer " + i + " (" + layer.getClass().getSimpleName() + ") lies between it and " + to.weights()
                        + ", and Secateur does not know how that layer maps channels";
            }
        }
        var pre = net.getLayerWiseConfigurations().getInputPreProcess(to.weights().layer());
        if (pre != null && !(pre instanceof CnnToFeedForwardPreProcessor)) {
            return "the input preprocessor of " + to.weights() + " (" + pre.getClass().getSimpleName() + ") is not supported";
        }
        return null;
    }

    /** Why some activation between a layer's weights and the next prunable layer does not keep 0 at 0, or null. */
    private static String activationBlocker(MultiLayerNetwork net, PrunableParam from, PrunableParam to) {
        for (int i = from.weights().layer(); i < to.weights().layer(); i++) {
            var layer = net.getLayer(i).conf().getLayer();
            IActivation activation = layer instanceof BaseLayer base ? base.getActivationFn()
                    : layer instanceof ActivationLayer act ? act.getActivationFn() : null;
            if (activation != null && !mapsZeroToZero(activation)) {
                return "the activation " + activation + " of layer " + i + " does not map 0 to 0, so a removed unit would not output 0";
            }
        }
        return null;
    }

    static boolean mapsZeroToZero(IActivation activation) {
        return activation instanceof ActivationIdentity || activation instanceof ActivationReLU
                || activation instanceof ActivationLReLU || activation instanceof ActivationTanH
                || activation instanceof ActivationReLU6 || activation instanceof ActivationHardTanH
                || activation instanceof ActivationHardSwish || activation instanceof ActivationGELU;
    }

    /** Input rows of {@code param} per unit of the layer before: H·W after a flatten, 1 otherwise. */
    private static int rowsPerUnit(MultiLayerNetwork net, PrunableParam param) {
        var pre = net.getLayerWiseConfigurations().getInputPreProcess(param.weights().layer());
        return pre instanceof CnnToFeedForwardPreProcessor flatten ? (int) (flatten.getInputHeight() * flatten.getInputWidth()) : 1;
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

    /**
     * FLOPs per example of a depthwise convolution, counted like a convolution's (2 per multiply-accumulate, plus the
     * bias adds); 0 for any other layer. Depthwise layers are not prunable themselves, but they cost time and follow
     * their input's channels.
     *
     * @param outputShape the layer's output, [N, C, H, W]
     */
    public static long depthwiseFlops(Layer layer, long[] outputShape) {
        if (!(layer.conf().getLayer() instanceof DepthwiseConvolution2D)) {
            return 0;
        }
        long[] w = layer.getParam("W").shape(); // [kH, kW, C, multiplier]
        long positions = outputShape[2] * outputShape[3];
        long outputs = w[2] * w[3];
        return 2 * w[0] * w[1] * outputs * positions + (layer.paramTable().containsKey("b") ? outputs * positions : 0);
    }

    /** FLOPs per example of a layer whose weights are never pruned: a depthwise convolution's, or a language model's head. */
    public static long unprunedFlops(Layer layer, long[] outputShape, long examples) {
        return depthwiseFlops(layer, outputShape) + headFlops(layer, outputShape, examples);
    }

    /**
     * FLOPs per example of a linear layer that Secateur never prunes, counted like a dense layer's: gpt-tiny's
     * next-token head ([B·T, d] rows to [B·T, vocabulary]); 0 for any other layer.
     *
     * @param examples how many examples gave {@code outputShape}
     */
    public static long headFlops(Layer layer, long[] outputShape, long examples) {
        if (!(layer.conf().getLayer() instanceof NextTokenOutput)) {
            return 0;
        }
        long[] w = layer.getParam("W").shape();
        long positions = Math.max(1, outputShape[0] / examples);
        return 2 * w[0] * w[1] * positions + (layer.paramTable().containsKey("b") ? w[1] * positions : 0);
    }

    /**
     * FLOPs per example of each attention vertex's own products (QKᵀ and the sum over V; see
     * {@link CausalSelfAttention#flops()}), keyed by the layer index of its query, whose heads they scale with (−1 where
     * the query is not a layer).
     */
    public static Map<Integer, Long> attentionFlops(Network net) {
        var flops = new TreeMap<Integer, Long>();
        if (!net.isGraph()) {
            return flops;
        }
        var conf = net.graph().getConfiguration();
        conf.getVertices().forEach((name, vertex) -> {
            if (vertex instanceof CausalSelfAttention attention) {
                String query = conf.getVertexInputs().get(name).get(0);
                flops.merge(net.layerIndex(query), attention.flops(), Long::sum);
            }
        });
        return flops;
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
        if (conf.getClass() == DenseLayer.class || conf.getClass() == TokenLinear.class) {
            return Optional.of(LayerKind.DENSE);
        }
        return Optional.empty();
    }
}
