package dev.secateur.model.gpt;

import java.util.Collection;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What DL4J asks of every {@code gpt-tiny} layer configuration, done once. */
final class GptLayers {

    private GptLayers() {
    }

    static <L extends org.deeplearning4j.nn.layers.BaseLayer<?>> L instantiate(
            L layer, NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
            INDArray paramsView, boolean initializeParams) {
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(conf.getLayer().initializer().init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    static LayerMemoryReport memoryReport(BaseLayer conf, InputType input, InputType output) {
        long params = conf.initializer().numParams(conf);
        return new LayerMemoryReport.Builder(conf.getLayerName(), conf.getClass(), input, output)
                .standardMemory(params, conf.getIUpdater() == null ? 0 : conf.getIUpdater().stateSize(params))
                .workingMemory(0, 0, 0, 2 * output.arrayElementsPerExample())
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }
}
