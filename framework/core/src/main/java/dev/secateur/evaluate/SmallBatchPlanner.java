package dev.secateur.evaluate;

import dev.secateur.errors.BadInputException;
import dev.secateur.evaluate.SmallBatchSteps.Activation;
import dev.secateur.evaluate.SmallBatchSteps.Shape;
import dev.secateur.evaluate.SmallBatchSteps.Step;
import dev.secateur.model.ActivationKinds;
import dev.secateur.model.Network;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Walks a network's layers (or a graph's vertices in topological order, those its output needs) into the steps of a
 * {@link SmallBatchForward}, with each one's shape, reading the weights from DL4J's parameters; refuses with
 * {@link Unsupported} whatever the steps cannot compute as DL4J does.
 */
final class SmallBatchPlanner {

    /** A step and the slots it reads: slot 0 is the input, slot {@code k + 1} what step {@code k} wrote. */
    record Node(Step step, int[] reads) {
    }

    /** The steps, the input's shape, the number of outputs, and the slot they are read from. */
    record Plan(List<Node> nodes, Shape input, int classes, boolean convolutional, int outputSlot) {
    }

    /** Why a network has no such pass. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String why) {
            super(why, null, false, false);
        }
    }

    private final Network net;
    private final double sparseBelow;
    private final List<Node> nodes = new ArrayList<>();
    private final List<Shape> shapes = new ArrayList<>();
    private boolean convolutional;
    /** The slot the network's output is in: the last step's for a sequential network, the output vertex's for a graph. */
    private int outputSlot = -1;

    SmallBatchPlanner(Network net, double sparseBelow) {
        this.net = net;
        this.sparseBelow = sparseBelow;
    }

    /** The plan, or {@link Unsupported}; the steps already made free their native memory when the network is refused. */
    Plan plan() {
        try {
            return planAll();
        } catch (RuntimeException e) {
            nodes.forEach(node -> node.step().release());
            throw e;
        }
    }

    private Plan planAll() {
        if (net.params().dataType() != DataType.FLOAT) {
            throw new Unsupported("its parameters are " + net.params().dataType() + ", not FLOAT");
        }
        Shape input;
        try {
            long[] shape = net.inputShape();
            input = shape.length == 3 ? new Shape((int) shape[0], (int) shape[1], (int) shape[2]) : Shape.row((int) shape[0]);
        } catch (BadInputException e) {
            throw new Unsupported(e.getMessage());
        }
        shapes.add(input);
        if (net.isGraph()) {
            planGraph();
        } else {
            var sequential = net.sequential("a small-batch forward pass");
            var confs = sequential.getLayerWiseConfigurations();
            for (int i = 0; i < sequential.getnLayers(); i++) {
                int slot = preprocess(confs.getInputPreProcess(i), nodes.size(), "layer " + i);
                layer(sequential.getLayer(i), "layer " + i, slot, i == sequential.getnLayers() - 1);
            }
            outputSlot = nodes.size();
        }
        Shape last = shapes.get(outputSlot);
        if (!last.row()) {
            throw new Unsupported("its output is an image, not one row per example");
        }
        return new Plan(List.copyOf(nodes), input, last.width(), convolutional, outputSlot);
    }

    private void planGraph() {
        var graph = net.graph();
        var conf = graph.getConfiguration();
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            throw new Unsupported("it has " + conf.getNetworkInputs().size() + " inputs and " + conf.getNetworkOutputs().size() + " outputs");
        }
        Map<String, Integer> slotOf = new HashMap<>();
        slotOf.put(conf.getNetworkInputs().get(0), 0);
        String output = conf.getNetworkOutputs().get(0);
        // only what the output depends on: a graph may hold vertices that feed nothing it returns
        var needed = new HashSet<String>();
        var pending = new ArrayDeque<String>(List.of(output));
        while (!pending.isEmpty()) {
            String name = pending.pop();
            if (needed.add(name) && conf.getVertexInputs().containsKey(name)) {
                pending.addAll(conf.getVertexInputs().get(name));
            }
        }
        for (int index : graph.topologicalSortOrder()) {
            var vertex = graph.getVertices()[index];
            String name = vertex.getVertexName();
            if (vertex.isInputVertex() || !needed.contains(name)) {
                continue;
            }
            List<String> inputs = conf.getVertexInputs().get(name);
            int[] reads = inputs.stream().mapToInt(in -> slotOf.get(in)).toArray();
            String where = "vertex " + name;
            if (vertex instanceof LayerVertex layerVertex) {
                int slot = preprocess(layerVertex.getLayerPreProcessor(), reads[0], where);
                layer(layerVertex.getLayer(), where, slot, name.equals(output));
            } else if (conf.getVertices().get(name) instanceof ElementWiseVertex add && add.getOp() == ElementWiseVertex.Op.Add) {
                Shape shape = shapes.get(reads[0]);
                for (int read : reads) {
                    if (!shapes.get(read).equals(shape)) {
                        throw new Unsupported(where + " adds activations of shapes " + shapes.get(reads[0]) + " and " + shapes.get(read));
                    }
                }
                add(new SmallBatchSteps.Sum(), shape, reads);
            } else {
                throw new Unsupported(where + " is a " + conf.getVertices().get(name).getClass().getSimpleName());
            }
            slotOf.put(name, nodes.size());
        }
        outputSlot = slotOf.get(output);
    }

    /** The slot a layer reads after its preprocessor: DL4J's reshapes between rows and images move no value. */
    private int preprocess(InputPreProcessor pre, int slot, String where) {
        if (pre == null) {
            return slot;
        }
        Shape shape = shapes.get(slot);
        Shape reshaped;
        if (pre instanceof FeedForwardToCnnPreProcessor cnn) {
            reshaped = new Shape((int) cnn.getNumChannels(), (int) cnn.getInputHeight(), (int) cnn.getInputWidth());
        } else if (pre instanceof CnnToFeedForwardPreProcessor ff && ff.getFormat() == CNN2DFormat.NCHW) {
            reshaped = Shape.row(shape.size());
        } else {
            throw new Unsupported(where + " has the input preprocessor " + pre.getClass().getSimpleName());
        }
        if (reshaped.size() != shape.size()) {
            throw new Unsupported(where + " reshapes " + shape.size() + " values into " + reshaped);
        }
        // the same values under another shape: a slot of its own keeps each slot's shape true
        add(new SmallBatchSteps.Reshape(reshaped), reshaped, new int[]{slot});
        return nodes.size();
    }

    private void add(Step step, Shape shape, int[] reads) {
        nodes.add(new Node(step, reads));
        shapes.add(shape);
    }

    private void layer(Layer layer, String where, int slot, boolean last) {
        var conf = layer.conf().getLayer();
        Shape in = shapes.get(slot);
        int[] reads = {slot};
        if (conf instanceof BaseLayer withWeights && withWeights.getWeightNoise() != null) {
            throw new Unsupported(where + " has weight noise");
        }
        if (conf.getClass() == DenseLayer.class || conf.getClass() == OutputLayer.class) {
            var dense = (FeedForwardLayer) conf;
            if (conf instanceof DenseLayer d && d.hasLayerNorm()) {
                throw new Unsupported(where + " has layer normalisation");
            }
            INDArray bias = layer.getParam(DefaultParamInitializer.BIAS_KEY);
            if (bias == null) {
                throw new Unsupported(where + " has no bias");
            }
            int inputs = (int) dense.getNIn();
            int outputs = (int) dense.getNOut();
            if (inputs != in.size()) {
                throw new Unsupported(where + " takes " + inputs + " inputs where " + in + " arrive");
            }
            add(new SmallBatchDense(layer.getParam(DefaultParamInitializer.WEIGHT_KEY), bias.dup().data().asFloat(), activation((BaseLayer) conf, where, last)),
                    Shape.row(outputs), reads);
        } else if (conf.getClass() == ConvolutionLayer.class) {
            convolution(layer, (ConvolutionLayer) conf, where, in, reads);
        } else if (conf instanceof BatchNormalization bn) {
            batchNormalisation(layer, bn, where, in, reads);
        } else if (conf.getClass() == SubsamplingLayer.class) {
            pooling((SubsamplingLayer) conf, where, in, reads);
        } else if (conf instanceof GlobalPoolingLayer global) {
            var type = global.getPoolingType();
            int[] dims = global.getPoolingDimensions();
            if (type != PoolingType.AVG && type != PoolingType.MAX || !global.isCollapseDimensions() || in.row()
                    || dims != null && !Arrays.equals(dims, new int[]{2, 3})) {
                throw new Unsupported(where + " is a " + type + " global pooling over " + Arrays.toString(dims) + " of " + in);
            }
            add(new SmallBatchSteps.GlobalPooling(type == PoolingType.MAX), Shape.row(in.channels()), reads);
        } else if (conf instanceof ActivationLayer activationLayer) {
            add(new SmallBatchSteps.Activate(activation(activationLayer.getActivationFn(), where, last)), in, reads);
        } else {
            throw new Unsupported(where + " is a " + conf.getClass().getSimpleName());
        }
    }

    private Activation activation(BaseLayer conf, String where, boolean last) {
        return activation(conf.getActivationFn(), where, last);
    }

    private static Activation activation(IActivation fn, String where, boolean last) {
        if (fn instanceof ActivationIdentity) {
            return Activation.IDENTITY;
        }
        if (ActivationKinds.plainRelu(fn)) {
            return Activation.RELU;
        }
        if (last && fn instanceof ActivationSoftmax) {
            return Activation.SOFTMAX;
        }
        throw new Unsupported(where + " has activation " + fn);
    }

    private void convolution(Layer layer, ConvolutionLayer conf, String where, Shape in, int[] reads) {
        if (conf.getCnn2dDataFormat() != CNN2DFormat.NCHW || in.row()) {
            throw new Unsupported(where + " reads " + (in.row() ? "a row of features" : conf.getCnn2dDataFormat() + " images"));
        }
        if (in.channels() != conf.getNIn()) {
            throw new Unsupported(where + " takes " + conf.getNIn() + " channels where " + in + " arrive");
        }
        int[] kernel = conf.getKernelSize();
        int[] stride = conf.getStride();
        int[] dilation = conf.getDilation();
        int[] size = {in.height(), in.width()};
        int[] outSize = new int[2];
        int[] padding;
        if (conf.getConvolutionMode() == ConvolutionMode.Same) {
            for (int d = 0; d < 2; d++) {
                outSize[d] = -Math.floorDiv(-size[d], stride[d]);
            }
            padding = ConvolutionUtils.getSameModeTopLeftPadding(outSize, size, kernel, stride, dilation);
        } else {
            padding = conf.getPadding();
            for (int d = 0; d < 2; d++) {
                int extent = (kernel[d] - 1) * dilation[d] + 1;
                outSize[d] = (size[d] + 2 * padding[d] - extent) / stride[d] + 1;
            }
        }
        Shape out = new Shape((int) conf.getNOut(), outSize[0], outSize[1]);
        INDArray bias = layer.getParam(DefaultParamInitializer.BIAS_KEY);
        float[] b = bias != null ? bias.dup().data().asFloat() : new float[out.channels()];
        float[] w = layer.getParam(DefaultParamInitializer.WEIGHT_KEY).dup('c').data().asFloat();
        boolean sparse = SmallBatchConvolution.keptShare(w) < sparseBelow;
        add(new SmallBatchConvolution(in, out, kernel, stride, dilation, padding, w, b, activation(conf, where, false), sparse),
                out, reads);
        convolutional = true;
    }

    private void batchNormalisation(Layer layer, BatchNormalization conf, String where, Shape in, int[] reads) {
        if (in.plane() > 1 && conf.getCnn2DFormat() != CNN2DFormat.NCHW) {
            throw new Unsupported(where + " normalises " + conf.getCnn2DFormat() + " images");
        }
        // on a row of features, each feature is a channel
        int channels = in.row() ? in.width() : in.channels();
        if (channels != conf.getNOut()) {
            throw new Unsupported(where + " normalises " + conf.getNOut() + " channels where " + in + " arrive");
        }
        var affine = BatchNormAffine.of(layer, conf);
        // DL4J 1.0.0-M2.1's batch normalisation layer never applies its activation function, in training or at
        // inference, so a ReLU declared on it does nothing there, nor here
        add(new SmallBatchSteps.ChannelAffine(affine.scale(), affine.shift(), Activation.IDENTITY), in, reads);
    }

    private void pooling(SubsamplingLayer conf, String where, Shape in, int[] reads) {
        var type = conf.getPoolingType();
        if (in.row()) {
            throw new Unsupported(where + " pools a row of features");
        }
        int[] kernel = conf.getKernelSize();
        int[] stride = conf.getStride();
        boolean plain = conf.getConvolutionMode() != ConvolutionMode.Same && Arrays.equals(conf.getPadding(), new int[]{0, 0})
                && Arrays.equals(conf.getDilation(), new int[]{1, 1}) && conf.getCnn2dDataFormat() == CNN2DFormat.NCHW;
        if (type != PoolingType.MAX && type != PoolingType.AVG || !plain) {
            throw new Unsupported(where + " is a " + type + " pooling with padding, dilation, NHWC or the Same mode");
        }
        Shape out = new Shape(in.channels(), (in.height() - kernel[0]) / stride[0] + 1, (in.width() - kernel[1]) / stride[1] + 1);
        add(new SmallBatchSteps.Pooling(in, out, type == PoolingType.MAX, kernel[0], kernel[1], stride[0], stride[1]), out, reads);
    }
}
