package dev.secateur.model.gpt;

import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossSparseMCXENT;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The language-model head: DL4J's softmax output layer over the vocabulary, one token row at a time, with the
 * next-token cross-entropy. Its labels are a sequence's next token ids, {@code [B, T]}, as the data holds them;
 * its score is the mean over tokens. A class of its own, not an {@code OutputLayer}, so that pruning leaves it
 * alone as the papers do.
 */
public final class NextTokenOutput extends OutputLayer {

    @JsonProperty
    private int context;

    private NextTokenOutput() {
        // for JSON
    }

    NextTokenOutput(int width, int vocabulary, int context) {
        setNIn(width);
        setNOut(vocabulary);
        setActivationFn(Activation.SOFTMAX.getActivationFunction());
        setLossFn(new LossSparseMCXENT());
        this.context = context;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType dataType) {
        return GptLayers.instantiate(new Instance(conf, dataType, context), conf, listeners, layerIndex, paramsView, initializeParams);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NextTokenOutput other && super.equals(other) && context == other.context;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), context);
    }

    static final class Instance extends org.deeplearning4j.nn.layers.OutputLayer {

        private final int context;

        Instance(NeuralNetConfiguration conf, DataType dataType, int context) {
            super(conf, dataType);
            this.context = context;
        }

        @Override
        protected INDArray getLabels2d(LayerWorkspaceMgr workspaceMgr, ArrayType arrayType) {
            return labels.rank() == 2 && labels.columns() == context ? labels.reshape('c', labels.length(), 1) : labels;
        }

        /**
         * DL4J scores the mean over the token rows but averages gradients over the sequences; dividing the gradients by
         * the context makes them the score's.
         */
        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            var result = super.backpropGradient(epsilon, workspaceMgr);
            result.getFirst().gradientForVariable().values().forEach(g -> g.divi(context));
            result.getSecond().divi(context);
            return result;
        }
    }
}
