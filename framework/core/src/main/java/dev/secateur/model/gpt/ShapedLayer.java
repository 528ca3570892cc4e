package dev.secateur.model.gpt;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A {@code gpt-tiny} layer configuration whose named parameters {@link ParamShapes} lays out; it builds its own layer. */
abstract class ShapedLayer extends FeedForwardLayer implements ParamShapes.Owner {

    /** The layer that runs this configuration. */
    abstract BaseLayer<?> create(NeuralNetConfiguration conf, DataType dataType);

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType dataType) {
        return GptLayers.instantiate(create(conf, dataType), conf, listeners, layerIndex, paramsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return ParamShapes.INSTANCE;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return GptLayers.memoryReport(this, inputType, getOutputType(-1, inputType));
    }
}
