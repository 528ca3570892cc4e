package dev.secateur.model.gpt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.common.util.ArrayUtil;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * DL4J's view of a {@code gpt-tiny} layer's parameters: named arrays laid out one after another in the network's
 * flat parameter vector, each in C order, so the optimiser, masks and checkpoints treat them as any layer's.
 */
final class ParamShapes implements ParamInitializer {

    /** A layer configuration that names its parameters. */
    interface Owner {
        /** Each parameter's shape, in the order they are laid out. */
        LinkedHashMap<String, long[]> paramShapes();

        /** Whether a parameter is a bias (no weight decay, no weight noise). */
        boolean isBias(String key);

        /** Writes a parameter's initial values into its view. */
        void initialize(String key, INDArray view);
    }

    static final ParamShapes INSTANCE = new ParamShapes();

    private ParamShapes() {
    }

    private static Owner owner(Layer layer) {
        return (Owner) layer;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        long n = 0;
        for (long[] shape : owner(layer).paramShapes().values()) {
            n += ArrayUtil.prodLong(shape);
        }
        return n;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return new ArrayList<>(owner(layer).paramShapes().keySet());
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return paramKeys(layer).stream().filter(k -> !owner(layer).isBias(k)).toList();
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return paramKeys(layer).stream().filter(k -> owner(layer).isBias(k)).toList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return owner(layer).paramShapes().containsKey(key) && !owner(layer).isBias(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return owner(layer).isBias(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        var views = views(conf, paramsView);
        views.keySet().forEach(conf::addVariable);
        if (initializeParams) {
            views.forEach(owner(conf.getLayer())::initialize);
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views(conf, gradientView);
    }

    private static Map<String, INDArray> views(NeuralNetConfiguration conf, INDArray flat) {
        var views = Collections.synchronizedMap(new LinkedHashMap<String, INDArray>());
        long offset = 0;
        for (var entry : owner(conf.getLayer()).paramShapes().entrySet()) {
            long n = ArrayUtil.prodLong(entry.getValue());
            var range = NDArrayIndex.interval(offset, offset + n);
            INDArray slice = flat.rank() == 1 ? flat.get(range) : flat.get(NDArrayIndex.point(0), range);
            views.put(entry.getKey(), slice.reshape('c', entry.getValue()));
            offset += n;
        }
        return views;
    }

}
