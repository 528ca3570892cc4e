package dev.secateur.score;

import dev.secateur.data.Dataset;
import dev.secateur.errors.Interrupts;
import dev.secateur.model.Network;
import dev.secateur.model.PrunableParam;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Requirement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The scorer's one shared pass over calibration data. It runs the network forward and backward layer by
 * layer, so that each layer's input, output and output gradient are at hand, and gathers only the
 * requirements asked for: a weights-only request reads no data at all.
 *
 * <p>Losses are per sample (DL4J's output layer gives per-sample deltas; its score is their mean), so
 * GRADIENTS is the gradient of the mean loss and GRADIENT_SQUARES is the diagonal of the empirical
 * Fisher. Per-sample gradients of dense layers are outer products x·δᵀ, computed in closed form; for
 * convolutions each sample is back-propagated through the layer alone.
 */
public final class StatisticsPass {

    /** The requirements that need a pass over data. */
    static final Set<Requirement> DATA = EnumSet.of(Requirement.GRADIENTS, Requirement.GRADIENT_SQUARES,
            Requirement.SAMPLE_GRADIENTS, Requirement.ACTIVATIONS, Requirement.ACTIVATION_GRADIENTS, Requirement.INPUT_GRAM);
    private static final Set<Requirement> BACKWARD = EnumSet.of(Requirement.GRADIENTS, Requirement.GRADIENT_SQUARES,
            Requirement.SAMPLE_GRADIENTS, Requirement.ACTIVATION_GRADIENTS);
    private static final int BATCH = 128;
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.FIRST_LOOP).build();

    /** Forces per-sample back-propagation through DL4J for every layer; tests compare it with the batched forms. */
    boolean perSampleBackprop;

    /**
     * Why this pass cannot supply {@code requirement} for {@code param} of {@code net}, or empty if it can.
     */
    public static Optional<String> unsupported(MultiLayerNetwork net, PrunableParam param, Requirement requirement) {
        return unsupported(Network.of(net), param, requirement);
    }

    public static Optional<String> unsupported(Network net, PrunableParam param, Requirement requirement) {
        if (net.isGraph() && BACKWARD.contains(requirement)) {
            for (var layer : net.graph().getLayers()) {
                if (layer.conf().getLayer() instanceof BaseLayer base && base.getIDropout() != null) {
                    return Optional.of("layer " + layer.conf().getLayer().getLayerName() + " has dropout, which the graph's "
                            + "backward pass in inference mode does not undo");
                }
            }
        }
        if (requirement == Requirement.ACTIVATION_GRADIENTS && param.kind() == LayerKind.OUTPUT) {
            return Optional.of("the output layer's activations are the class probabilities, whose Taylor term is not gathered");
        }
        if (param.kind() == LayerKind.CONVOLUTION && requirement != Requirement.WEIGHTS) {
            var conv = (ConvolutionLayer) net.layer(param.weights().layer()).conf().getLayer();
            if (conv.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                return Optional.of("only NCHW convolutions are supported, this one is " + conv.getCnn2dDataFormat());
            }
            if (requirement == Requirement.INPUT_GRAM && conv.getConvolutionMode() == ConvolutionMode.Causal) {
                return Optional.of("im2col patches of causal convolutions are not supported");
            }
        }
        return Optional.empty();
    }

    public Statistics gather(MultiLayerNetwork net, List<PrunableParam> params, Set<Requirement> requested, Dataset calibration) {
        return gather(Network.of(net), params, requested, calibration);
    }

    /**
     * The pass on either kind of network. A ComputationGraph is run vertex by vertex in topological order, in
     * inference mode, and back-propagated in reverse order, each vertex's input gradients summed over the
     * vertices it feeds; batch normalisation is back-propagated with its running statistics, as the network
     * computes in inference, not with the batch's.
     */
    public Statistics gather(Network network, List<PrunableParam> params, Set<Requirement> requested, Dataset calibration) {
        var wanted = EnumSet.noneOf(Requirement.class);
        wanted.addAll(requested);
        wanted.retainAll(DATA);
        boolean probes = requested.contains(Requirement.LOSS_ORACLE);
        if (wanted.isEmpty()) {
            return new Statistics(Set.copyOf(requested), Map.of(), probes ? calibration : null, 0, Map.of());
        }
        var mgr = LayerWorkspaceMgr.noWorkspaces();
        if (network.isGraph() ? network.graph().getFlattenedGradients() == null
                : network.sequential("the statistics pass").getFlattenedGradients() == null) {
            if (network.isGraph()) {
                network.graph().initGradientsView();
            } else {
                network.sequential("the statistics pass").initGradientsView();
            }
        }
        var byLayer = new HashMap<Integer, Accumulators>();
        for (var param : params) {
            byLayer.put(param.weights().layer(), new Accumulators(param, wanted));
        }
        int lowest = params.stream().mapToInt(p -> p.weights().layer()).min().orElse(0);
        boolean backward = wanted.stream().anyMatch(BACKWARD::contains);
        int n = calibration.size();
        int batches = 0;
        for (int from = 0; from < n; from += BATCH, batches++) {
            Interrupts.check("between batches");
            // each batch's temporaries come from one reused workspace: fresh native memory costs a page fault
            // per page here, which made the pass several times slower than DL4J's own backward pass
            try (var ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, "secateur-statistics")) {
                if (network.isGraph()) {
                    graphBatch(network.graph(), byLayer, calibration, from, Math.min(n, from + BATCH), backward, mgr);
                } else {
                    batch(network.sequential("the statistics pass"), byLayer, calibration, from, Math.min(n, from + BATCH), lowest,
                            backward, mgr);
                }
            }
        }
        var byParam = new HashMap<ParamRef, Map<Requirement, INDArray>>();
        var positions = new HashMap<ParamRef, Long>();
        for (var acc : byLayer.values()) {
            byParam.put(acc.param.weights(), acc.finish(n));
            positions.put(acc.param.weights(), acc.positions);
        }
        if (network.isGraph()) {
            network.graph().clear();
        } else {
            network.sequential("the statistics pass").clear();
        }
        return new Statistics(Set.copyOf(requested), byParam, calibration, batches, positions);
    }

    private void batch(MultiLayerNetwork net, Map<Integer, Accumulators> byLayer, Dataset calibration, int from, int to,
                       int lowest, boolean backward, LayerWorkspaceMgr mgr) {
        int layers = net.getnLayers();
        int mb = to - from;
        INDArray x = calibration.features().get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
        INDArray y = calibration.labels().get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
        var inputs = new INDArray[layers];
        var outputs = new INDArray[layers];
        INDArray current = x;
        for (int i = 0; i < layers; i++) {
            var pre = net.getLayerWiseConfigurations().getInputPreProcess(i);
            if (pre != null) {
                current = pre.preProcess(current, mb, mgr);
            }
            inputs[i] = current;
            current = net.getLayer(i).activate(current, false, mgr);
            outputs[i] = current;
        }
        for (var entry : byLayer.entrySet()) {
            entry.getValue().forward(net.getLayer(entry.getKey()), inputs[entry.getKey()], outputs[entry.getKey()]);
        }
        if (!backward) {
            return;
        }
        INDArray epsilon = null;
        for (int i = layers - 1; i >= lowest; i--) {
            Layer layer = net.getLayer(i);
            layer.setInput(inputs[i], mgr);
            if (layer instanceof IOutputLayer output) {
                output.setLabels(y);
            }
            var acc = byLayer.get(i);
            if (acc != null) {
                acc.beforeBackward(layer, inputs[i], outputs[i], epsilon, y, mgr, perSampleBackprop);
            }
            var back = layer.backpropGradient(epsilon, mgr);
            if (acc != null) {
                acc.afterBackward(back.getFirst().getGradientFor("W"));
            }
            epsilon = back.getSecond();
            var pre = net.getLayerWiseConfigurations().getInputPreProcess(i);
            if (pre != null && i > lowest) {
                epsilon = pre.backprop(epsilon, mb, mgr);
            }
        }
    }

    private void graphBatch(ComputationGraph graph, Map<Integer, Accumulators> byLayer, Dataset calibration, int from, int to,
                            boolean backward, LayerWorkspaceMgr mgr) {
        var type = graph.params().dataType();
        INDArray x = calibration.features().get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).castTo(type);
        INDArray y = calibration.labels().get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).castTo(type);
        graph.setInput(0, x); // vertices read the minibatch size from the graph's input
        var vertices = graph.getVertices();
        int[] order = graph.topologicalSortOrder();
        var layerIndex = new IdentityHashMap<Layer, Integer>();
        var layers = graph.getLayers();
        for (int i = 0; i < layers.length; i++) {
            layerIndex.put(layers[i], i);
        }
        var outputs = new INDArray[vertices.length];
        var batchNormInputs = new INDArray[vertices.length];
        for (int v : order) {
            var vertex = vertices[v];
            if (vertex.isInputVertex()) {
                outputs[v] = x; // graphs with one input only
                continue;
            }
            var inputs = vertex.getInputVertices();
            for (int j = 0; j < inputs.length; j++) {
                // a copy each: in inference DL4J's activation layers and batch normalisation work in place on their input
                vertex.setInput(j, outputs[inputs[j].getVertexIndex()].dup(), mgr);
            }
            if (isBatchNorm(vertex)) {
                batchNormInputs[v] = outputs[inputs[0].getVertexIndex()].dup();
            }
            outputs[v] = vertex.doForward(false, mgr);
            if (vertex.hasLayer() && byLayer.containsKey(layerIndex.get(vertex.getLayer()))) {
                byLayer.get(layerIndex.get(vertex.getLayer())).forward(vertex.getLayer(), layerInput(vertex), outputs[v]);
            }
        }
        if (!backward) {
            return;
        }
        var epsilons = new INDArray[vertices.length];
        for (int k = order.length - 1; k >= 0; k--) {
            var vertex = vertices[order[k]];
            if (vertex.isInputVertex()) {
                continue;
            }
            INDArray epsilon = epsilons[order[k]];
            boolean output = vertex.hasLayer() && vertex.getLayer() instanceof IOutputLayer;
            if (output) {
                ((IOutputLayer) vertex.getLayer()).setLabels(y);
            } else if (epsilon == null) {
                continue; // nothing below it reaches the loss
            }
            var acc = vertex.hasLayer() ? byLayer.get(layerIndex.get(vertex.getLayer())) : null;
            if (acc != null) {
                acc.beforeBackward(vertex.getLayer(), layerInput(vertex), outputs[order[k]], epsilon, y, mgr, perSampleBackprop);
            }
            INDArray[] inputEpsilons;
            if (isBatchNorm(vertex)) {
                var bn = (BatchNormalization) vertex.getLayer();
                inputEpsilons = new INDArray[]{batchNormBackward(bn, batchNormInputs[order[k]], outputs[order[k]], epsilon)};
            } else {
                vertex.setEpsilon(epsilon);
                var back = vertex.doBackward(false, mgr);
                if (acc != null) {
                    acc.afterBackward(back.getFirst().getGradientFor("W"));
                }
                inputEpsilons = back.getSecond();
            }
            var inputs = vertex.getInputVertices();
            for (int j = 0; j < inputs.length; j++) {
                if (inputEpsilons[j] == null) {
                    continue; // an input with no gradient: token ids, which an embedding reads
                }
                int source = inputs[j].getVertexIndex();
                epsilons[source] = epsilons[source] == null ? inputEpsilons[j].dup() : epsilons[source].addi(inputEpsilons[j]);
            }
        }
    }

    private static boolean isBatchNorm(GraphVertex vertex) {
        return vertex.hasLayer() && vertex.getLayer() instanceof BatchNormalization;
    }

    /** The input a vertex's layer saw, after the vertex's preprocessor. */
    private static INDArray layerInput(GraphVertex vertex) {
        return ((AbstractLayer<?>) vertex.getLayer()).input();
    }

    /**
     * dL/dx of batch normalisation in inference mode: {@code pre} is affine per channel in x (the running mean and
     * variance, γ and β), so dL/dx is {@code ε·dpre/dx}, times the activation's derivative if the layer applied one.
     * DL4J's own backward pass assumes the batch's statistics, so this one reads {@code pre} and its slope from
     * DL4J's inference forward pass instead. DL4J 1.0.0-M2.1 leaves a batch normalisation layer's configured
     * activation unapplied (its output is {@code pre}), and this follows what the layer computed.
     */
    static INDArray batchNormBackward(BatchNormalization layer, INDArray input,
                                      INDArray output, INDArray epsilon) {
        if (input.length() != epsilon.length()) {
            throw new IllegalStateException("batch normalisation behind an input preprocessor is not supported");
        }
        var mgr = LayerWorkspaceMgr.noWorkspaces();
        var test = Layer.TrainingMode.TEST;
        INDArray pre = layer.preOutput(input.dup(), test, mgr).dup();
        // affine per channel: the slope is the same at every point, so one step of 1 measures it exactly
        INDArray slope = layer.preOutput(input.add(1.0), test, mgr).sub(pre);
        var conf = (org.deeplearning4j.nn.conf.layers.BatchNormalization) layer.conf().getLayer();
        boolean activated = !pre.equalsWithEps(output, 0.0);
        INDArray dPre = activated ? conf.getActivationFn().backprop(pre, epsilon.dup()).getFirst() : epsilon;
        return dPre.mul(slope);
    }

    /** Running sums for one parameter. */
    private static final class Accumulators {
        private final PrunableParam param;
        private final Set<Requirement> wanted;
        private final long size;
        private INDArray gradientSum;
        private INDArray squareSum;
        private INDArray gram;
        private long gramRows;
        private long positions = 1;
        private final List<INDArray> activations = new ArrayList<>();
        private final List<INDArray> taylor = new ArrayList<>();
        private final List<INDArray> sampleGradients = new ArrayList<>();

        Accumulators(PrunableParam param, Set<Requirement> wanted) {
            this.param = param;
            this.wanted = wanted;
            this.size = param.size();
        }

        void forward(Layer layer, INDArray input, INDArray output) {
            positions = output.rank() == 4 ? output.size(2) * output.size(3) : 1;
            if (wanted.contains(Requirement.ACTIVATIONS)) {
                activations.add(kept(spatialMean(output)));
            }
            if (wanted.contains(Requirement.INPUT_GRAM)) {
                INDArray rows = inputRows(layer, input);
                INDArray product = rows.transpose().mmul(rows).castTo(DataType.DOUBLE);
                gram = gram == null ? kept(product) : gram.addi(product);
                gramRows += rows.rows();
            }
        }

        void beforeBackward(Layer layer, INDArray input, INDArray output, INDArray epsilon, INDArray labels,
                            LayerWorkspaceMgr mgr, boolean perSampleBackprop) {
            if (wanted.contains(Requirement.ACTIVATION_GRADIENTS) && epsilon != null) {
                taylor.add(kept(spatialMean(output.mul(epsilon))));
            }
            boolean squares = wanted.contains(Requirement.GRADIENT_SQUARES);
            boolean samples = wanted.contains(Requirement.SAMPLE_GRADIENTS);
            if (!squares && !samples) {
                return;
            }
            boolean dense = param.kind() != LayerKind.CONVOLUTION;
            if (dense && !samples && !perSampleBackprop) {
                // Σₙ (xₙ ⊗ δₙ)² = (x²)ᵀ·(δ²): one product instead of a row per sample
                INDArray delta = denseDelta(layer, input, epsilon, labels);
                INDArray sq = input.mul(input).transpose().mmul(delta.mul(delta)).castTo(DataType.DOUBLE).dup('c');
                squareSum = squareSum == null ? kept(sq.reshape('c', 1, size)) : squareSum.addi(sq.reshape('c', 1, size));
                return;
            }
            INDArray perSample = perSampleBackprop ? backpropEachSample(layer, input, epsilon, labels, mgr)
                    : dense ? denseSampleGradients(layer, input, epsilon, labels)
                    : convSampleGradients(layer, input, epsilon);
            if (squares) {
                INDArray sq = perSample.mul(perSample).sum(0).castTo(DataType.DOUBLE);
                squareSum = squareSum == null ? kept(sq) : squareSum.addi(sq);
            }
            if (samples) {
                sampleGradients.add(kept(perSample));
            }
        }

        void afterBackward(INDArray weightGradient) {
            if (wanted.contains(Requirement.GRADIENTS)) {
                INDArray g = weightGradient.castTo(DataType.DOUBLE).dup('c');
                gradientSum = gradientSum == null ? kept(g) : gradientSum.addi(g);
            }
        }

        /** Per-sample gradients [mb, size] of a dense or output layer: row n is x_n ⊗ δ_n in C order. */
        private INDArray denseSampleGradients(Layer layer, INDArray input, INDArray epsilon, INDArray labels) {
            INDArray delta = denseDelta(layer, input, epsilon, labels);
            int mb = (int) input.rows();
            long nIn = input.columns();
            long nOut = delta.columns();
            var rows = Nd4j.createUninitialized(DataType.FLOAT, mb, nIn * nOut);
            for (int s = 0; s < mb; s++) {
                INDArray outer = input.getRow(s).reshape(nIn, 1).mmul(delta.getRow(s).reshape(1, nOut));
                rows.putRow(s, outer.reshape('c', 1, nIn * nOut));
            }
            return rows;
        }

        /** δ = dLₙ/dz per sample for a dense or output layer, z being the pre-activation. */
        private static INDArray denseDelta(Layer layer, INDArray input, INDArray epsilon, INDArray labels) {
            var conf = (BaseLayer) layer.conf().getLayer();
            INDArray z = input.mmul(layer.getParam("W")).addiRowVector(layer.getParam("b"));
            return conf instanceof BaseOutputLayer out
                    ? out.getLossFn().computeGradient(labels, z, conf.getActivationFn(), null)
                    : conf.getActivationFn().backprop(z, epsilon.dup()).getFirst();
        }

        /**
         * Per-sample gradients [mb, size] of a convolution in one batched product: with the im2col patches
         * cols_n [positions, nIn·kH·kW] and δ_n = dLₙ/dz at the pre-activation [positions, nOut], the
         * gradient of sample n is δ_nᵀ·cols_n.
         */
        private INDArray convSampleGradients(Layer layer, INDArray input, INDArray epsilon) {
            var conf = (ConvolutionLayer) layer.conf().getLayer();
            int mb = (int) input.size(0);
            INDArray cols = inputRows(layer, input);
            long k = cols.columns();
            long positions = cols.rows() / mb;
            long nOut = param.shape()[0];
            INDArray w = layer.getParam("W").dup('c').reshape('c', nOut, k);
            INDArray z = cols.mmul(w.transpose()).addiRowVector(layer.getParam("b"));
            INDArray eps = epsilon.permute(0, 2, 3, 1).dup('c').reshape('c', cols.rows(), nOut);
            INDArray delta = conf.getActivationFn().backprop(z, eps).getFirst();
            INDArray perSample = Nd4j.matmul(delta.reshape('c', mb, positions, nOut), cols.reshape('c', mb, positions, k),
                    true, false, false);
            return perSample.reshape('c', mb, nOut * k);
        }

        /** Per-sample gradients [mb, size] by back-propagating each sample through this layer alone. */
        private INDArray backpropEachSample(Layer layer, INDArray input, INDArray epsilon, INDArray labels, LayerWorkspaceMgr mgr) {
            int mb = (int) input.size(0);
            var rows = Nd4j.createUninitialized(DataType.FLOAT, mb, size);
            for (int s = 0; s < mb; s++) {
                var one = NDArrayIndex.interval(s, s + 1);
                layer.setInput(sampleOf(input, s), mgr);
                if (layer instanceof IOutputLayer output) {
                    output.setLabels(labels.get(one, NDArrayIndex.all()));
                }
                INDArray eps = epsilon == null ? null : sampleOf(epsilon, s);
                INDArray g = layer.backpropGradient(eps, mgr).getFirst().getGradientFor("W");
                rows.putRow(s, g.dup('c').reshape('c', 1, size));
            }
            layer.setInput(input, mgr);
            if (layer instanceof IOutputLayer output) {
                output.setLabels(labels);
            }
            return rows;
        }

        private static INDArray sampleOf(INDArray a, int s) {
            var index = new INDArrayIndex[a.rank()];
            index[0] = NDArrayIndex.interval(s, s + 1);
            for (int d = 1; d < index.length; d++) {
                index[d] = NDArrayIndex.all();
            }
            return a.get(index).dup('c');
        }

        /** The rows whose Gram matrix is wanted: inputs for dense layers, im2col patches for convolutions. */
        private INDArray inputRows(Layer layer, INDArray input) {
            if (param.kind() != LayerKind.CONVOLUTION) {
                return input;
            }
            var conv = (ConvolutionLayer) layer.conf().getLayer();
            int[] k = conv.getKernelSize();
            int[] s = conv.getStride();
            int[] d = conv.getDilation();
            int[] pad = conv.getPadding();
            boolean same = conv.getConvolutionMode() == ConvolutionMode.Same;
            if (same) {
                int[] in = {(int) input.size(2), (int) input.size(3)};
                int[] out = ConvolutionUtils.getOutputSize(input, k, s, null, ConvolutionMode.Same, d, CNN2DFormat.NCHW);
                pad = ConvolutionUtils.getSameModeTopLeftPadding(out, in, k, s, d);
            }
            int[] outSize = ConvolutionUtils.getOutputSize(input, k, s, same ? null : pad, conv.getConvolutionMode(), d, CNN2DFormat.NCHW);
            // an output array of the input's type: im2col's own is float, which fails for a double network
            INDArray cols = Convolution.im2col(input, k[0], k[1], s[0], s[1], pad[0], pad[1], d[0], d[1], same,
                    Nd4j.create(input.dataType(), input.size(0), input.size(1), k[0], k[1], outSize[0], outSize[1]));
            // [mb, c, kh, kw, oh, ow] -> one row per output position, columns in the C order of a filter
            long rows = cols.size(0) * cols.size(4) * cols.size(5);
            return cols.permute(0, 4, 5, 1, 2, 3).dup('c').reshape('c', rows, cols.size(1) * k[0] * k[1]);
        }

        /** An array that outlives the batch's workspace. */
        private static INDArray kept(INDArray a) {
            return a.isAttached() ? a.detach() : a;
        }

        private static INDArray spatialMean(INDArray a) {
            return a.rank() == 4 ? a.mean(2, 3) : a.dup();
        }

        Map<Requirement, INDArray> finish(int samples) {
            var out = new EnumMap<Requirement, INDArray>(Requirement.class);
            long[] shape = param.shape();
            if (gradientSum != null) {
                out.put(Requirement.GRADIENTS, gradientSum.divi(samples).castTo(DataType.FLOAT).reshape('c', shape));
            }
            if (squareSum != null) {
                out.put(Requirement.GRADIENT_SQUARES, squareSum.divi(samples).castTo(DataType.FLOAT).reshape('c', shape));
            }
            if (!sampleGradients.isEmpty()) {
                out.put(Requirement.SAMPLE_GRADIENTS, Nd4j.vstack(sampleGradients.toArray(INDArray[]::new)));
            }
            if (!activations.isEmpty()) {
                out.put(Requirement.ACTIVATIONS, Nd4j.vstack(activations.toArray(INDArray[]::new)));
            }
            if (!taylor.isEmpty()) {
                out.put(Requirement.ACTIVATION_GRADIENTS, Nd4j.vstack(taylor.toArray(INDArray[]::new)));
            }
            if (gram != null) {
                out.put(Requirement.INPUT_GRAM, gram.divi(gramRows).castTo(DataType.FLOAT));
            }
            return out;
        }
    }
}
