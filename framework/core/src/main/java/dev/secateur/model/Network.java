package dev.secateur.model;

import dev.secateur.errors.BadInputException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * A trained network, sequential ({@code MultiLayerNetwork}) or a graph ({@code ComputationGraph}) with one
 * input and one output. Layers are numbered as DL4J numbers them ({@code getLayer(i)}), so a parameter
 * {@code 3_W} is the weights of layer 3 in either kind. Work that only sequential networks support asks
 * for {@link #sequential(String)}, which names what is missing.
 */
public final class Network {

    static {
        NativeBackend.enableLayerHelpers(); // before any network of this class is built
    }

    private final MultiLayerNetwork sequential;
    private final ComputationGraph graph;

    private Network(MultiLayerNetwork sequential, ComputationGraph graph) {
        this.sequential = sequential;
        this.graph = graph;
    }

    public static Network of(MultiLayerNetwork net) {
        return new Network(net, null);
    }

    public static Network of(ComputationGraph graph) {
        if (graph.getNumInputArrays() != 1 || graph.getNumOutputArrays() != 1) {
            throw new BadInputException("this ComputationGraph has " + graph.getNumInputArrays() + " inputs and "
                    + graph.getNumOutputArrays() + " outputs; Secateur prunes graphs with one input and one output");
        }
        return new Network(null, graph);
    }

    public boolean isGraph() {
        return graph != null;
    }

    /** The sequential network, or a clear refusal naming {@code what} needs one. */
    public MultiLayerNetwork sequential(String what) {
        if (sequential == null) {
            throw new BadInputException(what + " works on sequential networks (MultiLayerNetwork) only so far, and this model "
                    + "is a ComputationGraph; magnitude and random saliency, structured pruning and physical removal work on both");
        }
        return sequential;
    }

    public ComputationGraph graph() {
        if (graph == null) {
            throw new IllegalStateException("not a ComputationGraph");
        }
        return graph;
    }

    /** The DL4J model itself, for serialisation. */
    public Model model() {
        return graph != null ? graph : sequential;
    }

    public int layerCount() {
        return graph != null ? graph.getNumLayers() : sequential.getnLayers();
    }

    public Layer layer(int index) {
        return graph != null ? graph.getLayer(index) : sequential.getLayer(index);
    }

    /** The layer's name: its vertex name in a graph, its index in a sequential network. */
    public String layerName(int index) {
        return graph != null ? graph.getLayer(index).conf().getLayer().getLayerName() : Integer.toString(index);
    }

    /** The index of the layer named {@code name} (see {@link #layerName}), or −1 if there is none. */
    public int layerIndex(String name) {
        for (int i = 0; i < layerCount(); i++) {
            if (layerName(i).equals(name)) {
                return i;
            }
        }
        return -1;
    }

    public long numParams() {
        return graph != null ? graph.numParams() : sequential.numParams();
    }

    public INDArray params() {
        return graph != null ? graph.params() : sequential.params();
    }

    public Map<String, INDArray> paramTable() {
        return graph != null ? graph.paramTable() : sequential.paramTable();
    }

    /** A parameter by its DL4J key, such as {@code 0_W}. */
    public INDArray getParam(String key) {
        var value = paramTable().get(key);
        if (value == null) {
            throw new IllegalArgumentException("no parameter " + key + "; the network has " + paramTable().keySet());
        }
        return value;
    }

    public INDArray output(INDArray x) {
        return graph != null ? graph.outputSingle(false, x) : sequential.output(x, false);
    }

    /** The output of every layer for input {@code x}, by layer index (inference mode). */
    public List<INDArray> layerOutputs(INDArray x) {
        var outputs = new ArrayList<INDArray>(layerCount());
        if (graph != null) {
            Map<String, INDArray> byVertex = graph.feedForward(x, false);
            for (int i = 0; i < layerCount(); i++) {
                outputs.add(byVertex.get(layerName(i)));
            }
        } else {
            var activations = sequential.feedForward(x, false);
            // activations.get(i + 1) is the output of layer i
            outputs.addAll(activations.subList(1, activations.size()));
        }
        return outputs;
    }

    /**
     * The output of every vertex for input {@code x} (inference mode): each layer's, and in a graph also each merge's,
     * add's and reshape's, which no layer index names.
     */
    public List<INDArray> vertexOutputs(INDArray x) {
        return graph != null ? new ArrayList<>(graph.feedForward(x, false).values()) : layerOutputs(x);
    }

    public void fit(DataSetIterator data) {
        if (graph != null) {
            graph.fit(data);
        } else {
            sequential.fit(data);
        }
    }

    public void setLearningRate(double rate) {
        if (graph != null) {
            graph.setLearningRate(rate);
        } else {
            sequential.setLearningRate(rate);
        }
    }

    /** A learning rate that follows {@code schedule}, read by the optimiser at every update with the network's own counters. */
    public void setLearningRate(ISchedule schedule) {
        if (graph != null) {
            graph.setLearningRate(schedule);
        } else {
            sequential.setLearningRate(schedule);
        }
    }

    /** The updates the network has made so far, the iteration its optimiser and schedules count from. */
    public int iterationCount() {
        return graph != null ? graph.getConfiguration().getIterationCount() : sequential.getLayerWiseConfigurations().getIterationCount();
    }

    public Collection<TrainingListener> listeners() {
        return graph != null ? graph.getListeners() : sequential.getListeners();
    }

    public void setListeners(Collection<TrainingListener> listeners) {
        if (graph != null) {
            graph.setListeners(listeners);
        } else {
            sequential.setListeners(listeners);
        }
    }

    /** The output layer's configuration, whose loss function training uses; a clear refusal if the output is another kind. */
    public BaseOutputLayer outputLayer() {
        var layer = graph != null ? graph.getOutputLayer(0) : sequential.getOutputLayer();
        if (layer != null && layer.conf().getLayer() instanceof BaseOutputLayer output) {
            return output;
        }
        throw new BadInputException("the network's output is not an output layer with a loss function (it is "
                + (layer == null ? "missing" : layer.conf().getLayer().getClass().getSimpleName()) + "), so it cannot be distilled");
    }

    /**
     * Returns this network to another's state, for lottery-ticket rewinding: parameters, the optimiser's state and
     * the iteration and epoch counts. Both must have the same shape.
     */
    public void rewindTo(Network earlier) {
        if (earlier.numParams() != numParams()) {
            throw new IllegalArgumentException("cannot rewind a network of " + numParams() + " parameters to one of "
                    + earlier.numParams() + "; rewinding happens before physical removal");
        }
        params().assign(earlier.params());
        var state = updaterState();
        var earlierState = earlier.updaterState();
        if (state != null && earlierState != null && state.length() == earlierState.length()) {
            state.assign(earlierState);
        } else if (state != null) {
            state.assign(0);
        }
        if (graph != null) {
            graph.getConfiguration().setIterationCount(earlier.graph.getConfiguration().getIterationCount());
            graph.getConfiguration().setEpochCount(earlier.graph.getConfiguration().getEpochCount());
        } else {
            sequential.getLayerWiseConfigurations().setIterationCount(earlier.sequential.getLayerWiseConfigurations().getIterationCount());
            sequential.getLayerWiseConfigurations().setEpochCount(earlier.sequential.getLayerWiseConfigurations().getEpochCount());
        }
    }

    /** The optimiser's state as one flat view, or null before the network has an updater. */
    public INDArray updaterState() {
        var updater = graph != null ? graph.getUpdater(false) : sequential.getUpdater(false);
        if (updater == null) {
            return null;
        }
        return graph != null ? ((ComputationGraphUpdater) updater).getStateViewArray()
                : ((MultiLayerUpdater) updater).getStateViewArray();
    }

    /** A deep copy: parameters, configuration and updater state. */
    public Network copy() {
        var copy = graph != null ? new Network(null, graph.clone()) : new Network(sequential.clone(), null);
        copy.ownOptimiserSettings();
        return copy;
    }

    /**
     * DL4J's clone shares each layer's optimiser settings (the Adam object holding the learning rate) with the
     * original, so a copy given its own rate, as a probe or a control retrains, would change the original's. The
     * copy gets its own, and its updater, which the clone built from the shared ones, is built again from them with
     * its state kept.
     */
    private void ownOptimiserSettings() {
        for (int i = 0; i < layerCount(); i++) {
            if (layer(i).conf().getLayer() instanceof BaseLayer settings) {
                if (settings.getIUpdater() != null) {
                    settings.setIUpdater(settings.getIUpdater().clone());
                }
                if (settings.getBiasUpdater() != null) {
                    settings.setBiasUpdater(settings.getBiasUpdater().clone());
                }
            }
        }
        var state = updaterState();
        if (state == null) {
            return; // no updater yet: the first one will be built from the copy's own settings
        }
        var kept = state.dup();
        if (graph != null) {
            graph.setUpdater(null);
            graph.getUpdater(true).setStateViewArray(kept);
        } else {
            sequential.setUpdater(null);
            ((MultiLayerUpdater) sequential.getUpdater(true)).setStateViewArray(sequential, kept, false);
        }
    }

    /** Features per example: the flat input row the network takes (an image as H·W·C values). */
    public int inputSize() {
        long size = 1;
        for (long d : inputShape()) {
            size *= d;
        }
        return (int) size;
    }

    /**
     * The shape of one example as the network reads it: {@code [C, H, W]} for a network that reshapes its flat
     * input row into an image, {@code [F]} for one that reads features.
     */
    public long[] inputShape() {
        if (graph != null) {
            var conf = graph.getConfiguration();
            String input = conf.getNetworkInputs().get(0);
            for (var entry : conf.getVertexInputs().entrySet()) {
                if (entry.getValue().contains(input)
                        && conf.getVertices().get(entry.getKey()) instanceof LayerVertex vertex) {
                    if (vertex.getPreProcessor() instanceof FeedForwardToCnnPreProcessor cnn) {
                        return new long[]{cnn.getNumChannels(), cnn.getInputHeight(), cnn.getInputWidth()};
                    }
                    // a convolution without the reshape reads images whose size its configuration does not hold
                    if (vertex.getLayerConf().getLayer() instanceof FeedForwardLayer ff
                            && !(ff instanceof ConvolutionLayer) && ff.getNIn() > 0) {
                        return new long[]{ff.getNIn()};
                    }
                }
            }
            throw new BadInputException("cannot tell how many values an example of this ComputationGraph has; its first layer "
                    + "should be a dense layer, or a convolution built with setInputTypes(InputType.convolutionalFlat(...))");
        }
        var pre = sequential.getLayerWiseConfigurations().getInputPreProcess(0);
        if (pre instanceof FeedForwardToCnnPreProcessor cnn) {
            return new long[]{cnn.getNumChannels(), cnn.getInputHeight(), cnn.getInputWidth()};
        }
        if (sequential.getLayerWiseConfigurations().getConf(0).getLayer() instanceof ConvolutionLayer) {
            throw new BadInputException("cannot tell how many values an example of this network has: its first layer is a convolution "
                    + "without a reshape of flat rows into images; build it with setInputType(InputType.convolutionalFlat(h, w, c))");
        }
        return new long[]{sequential.layerInputSize(0)};
    }

    /** The configuration as JSON, which is also how DL4J tells the two kinds apart in a zip. */
    public String configurationJson() {
        return graph != null ? graph.getConfiguration().toJson() : sequential.getLayerWiseConfigurations().toJson();
    }
}
