package dev.secateur.model;

import dev.secateur.model.gpt.CausalSelfAttention;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;

/**
 * The unit groups of a {@code ComputationGraph}, found by following channels through the graph in
 * topological order. Every prunable layer opens a channel space. Layers that map channels one to one
 * (batch norm, activation, pooling, dropout, global pooling, zero padding, a depthwise convolution) pass the
 * space on, and the per-channel parameters of batch norm and depthwise convolution go with its units; an element-wise vertex
 * (a residual add) joins the spaces of its inputs into one, so their layers must keep the same units; a
 * merge vertex (concatenation) lays its inputs' spaces side by side, so a reader of the concatenation sees
 * each at an offset. Causal self-attention joins its query, key and value spaces into one whose units are heads,
 * each a run of adjacent channels, and passes it on to the layer that reads the heads' outputs. Anything else that reads a space (an unknown layer or vertex, an activation that does
 * not keep 0 at 0, the network's output) keeps that space whole, with the reason.
 */
final class GraphLayout {

    /** A run of channels belonging to one space, at an offset within a tensor's channels. */
    private record Segment(int space, int offset, int length) {
    }

    private final ComputationGraph graph;
    private final Map<String, Integer> layerIndex = new HashMap<>();
    private final int[] parent;
    private final Map<Integer, String> blocked = new TreeMap<>();
    private final Map<Integer, List<ParamRef>> coupled = new HashMap<>();
    private final Map<Integer, List<UnitGroup.Consumer>> consumers = new HashMap<>();
    private final Map<Integer, PrunableParam> plain = new TreeMap<>();
    /** Channels per unit of a space whose units are attention heads; spaces not named have one. */
    private final Map<Integer, Integer> unitWidths = new HashMap<>();

    private GraphLayout(ComputationGraph graph) {
        this.graph = graph;
        for (int i = 0; i < graph.getNumLayers(); i++) {
            layerIndex.put(graph.getLayer(i).conf().getLayer().getLayerName(), i);
        }
        this.parent = new int[graph.getNumLayers()];
        for (int i = 0; i < parent.length; i++) {
            parent[i] = i;
        }
    }

    /** The groups of a graph, in the order of their first layer. */
    static List<UnitGroup> groups(ComputationGraph graph) {
        return new GraphLayout(graph).analyse();
    }

    private List<UnitGroup> analyse() {
        var conf = graph.getConfiguration();
        var sources = new HashMap<String, List<Segment>>(); // null value: a tensor whose channels are not followed
        for (String input : conf.getNetworkInputs()) {
            sources.put(input, null);
        }
        for (int v : graph.topologicalSortOrder()) {
            String name = graph.getVertices()[v].getVertexName();
            if (conf.getNetworkInputs().contains(name)) {
                continue;
            }
            var vertex = conf.getVertices().get(name);
            var inputs = conf.getVertexInputs().get(name).stream().map(sources::get).toList();
            sources.put(name, visit(name, vertex, inputs));
        }
        for (String output : conf.getNetworkOutputs()) {
            block(sources.get(output), "it reaches the network's output " + output + " directly");
        }
        return assemble();
    }

    private List<Segment> visit(String name, GraphVertex vertex, List<List<Segment>> inputs) {
        if (vertex instanceof LayerVertex layerVertex) {
            int index = layerIndex.get(name);
            var layer = graph.getLayer(index);
            var kind = NetworkLayout.kindOf(layer);
            var in = inputs.get(0);
            if (kind.isPresent()) {
                var pre = layerVertex.getPreProcessor();
                int rows = 1;
                if (pre instanceof CnnToFeedForwardPreProcessor flatten) {
                    rows = (int) (flatten.getInputHeight() * flatten.getInputWidth());
                } else if (pre != null) {
                    block(in, "the input preprocessor of layer " + index + " (" + pre.getClass().getSimpleName() + ") is not supported");
                    in = null;
                }
                var param = NetworkLayout.param(layer, index, List.of());
                plain.put(index, param);
                if (in != null) {
                    for (var segment : in) {
                        consumers.computeIfAbsent(segment.space, s -> new ArrayList<>()).add(new UnitGroup.Consumer(param, rows, segment.offset));
                    }
                }
                if (kind.get() == LayerKind.OUTPUT) {
                    blocked.put(index, "it is the output layer: its units are the classes");
                }
                activationBlocks(layer.conf().getLayer(), index, List.of(new Segment(index, 0, (int) param.channels())));
                return List.of(new Segment(index, 0, (int) param.channels()));
            }
            var conf = layer.conf().getLayer();
            if (conf instanceof BatchNormalization) {
                if (in != null && in.size() == 1) {
                    coupled.computeIfAbsent(in.get(0).space, s -> new ArrayList<>()).addAll(List.of(
                            new ParamRef(index, BatchNormalizationParamInitializer.GAMMA),
                            new ParamRef(index, BatchNormalizationParamInitializer.BETA)));
                } else {
                    block(in, "batch normalisation " + index + " normalises a concatenation, which Secateur does not slice yet");
                }
                activationBlocks(conf, index, in);
                return in;
            }
            if (conf instanceof DepthwiseConvolution2D depthwise) {
                // one filter per input channel: its channels are its input's, so they go with the units that feed them
                if (in == null || in.size() != 1 || depthwise.getDepthMultiplier() != 1) {
                    block(in, "depthwise convolution " + index + (depthwise.getDepthMultiplier() != 1 ? " has depth multiplier "
                            + depthwise.getDepthMultiplier() : " reads a concatenation") + ", whose channels Secateur does not slice yet");
                    return null;
                }
                var refs = coupled.computeIfAbsent(in.get(0).space, s -> new ArrayList<>());
                refs.add(new ParamRef(index, UnitGroup.CHANNEL_FILTERS));
                if (depthwise.hasBias()) {
                    refs.add(new ParamRef(index, "b"));
                }
                activationBlocks(conf, index, in);
                return in;
            }
            if (conf instanceof ActivationLayer || conf instanceof DropoutLayer || conf instanceof SubsamplingLayer
                    || conf instanceof GlobalPoolingLayer || conf instanceof ZeroPaddingLayer) {
                activationBlocks(conf, index, in);
                return in;
            }
            block(in, "layer " + index + " (" + conf.getClass().getSimpleName() + ") reads it, and Secateur does not know how "
                    + "that layer maps channels");
            return null;
        }
        if (vertex instanceof ElementWiseVertex) {
            // every input must be zero in a removed channel, so the inputs' spaces become one
            if (inputs.stream().anyMatch(i -> i == null) || inputs.stream().map(List::size).distinct().count() > 1) {
                inputs.forEach(i -> block(i, "vertex " + name + " (ElementWiseVertex) combines it with a tensor whose channels "
                        + "Secateur cannot follow"));
                return null;
            }
            var first = inputs.get(0);
            for (var other : inputs.subList(1, inputs.size())) {
                for (int k = 0; k < first.size(); k++) {
                    union(first.get(k).space, other.get(k).space);
                }
            }
            return first;
        }
        if (vertex instanceof CausalSelfAttention attention) {
            var conf = graph.getConfiguration();
            if (!conf.getVertexInputs().get(name).stream().allMatch(input -> conf.getVertices().get(input) instanceof LayerVertex)) {
                inputs.forEach(i -> block(i, "vertex " + name + " (attention) reads a tensor that no layer writes directly, "
                        + "so Secateur cannot remove its heads"));
                return null;
            }
            return heads(name, attention, inputs);
        }
        if (vertex instanceof MergeVertex) {
            if (inputs.stream().anyMatch(i -> i == null)) {
                inputs.forEach(i -> block(i, "vertex " + name + " (MergeVertex) concatenates it with a tensor whose channels "
                        + "Secateur cannot follow"));
                return null;
            }
            var out = new ArrayList<Segment>();
            int offset = 0;
            for (var input : inputs) {
                for (var segment : input) {
                    out.add(new Segment(segment.space, offset, segment.length));
                    offset += segment.length;
                }
            }
            return out;
        }
        inputs.forEach(i -> block(i, "vertex " + name + " (" + vertex.getClass().getSimpleName() + ") reads it, and Secateur does "
                + "not know how that vertex maps channels"));
        return null;
    }

    /**
     * Attention heads: head h owns channels h·w .. (h+1)·w − 1 of the query, key and value (w = width / heads), and
     * the same channels of the output. Its query, key and value layers must therefore lose the same heads, so their
     * spaces become one, whose units are heads, and the layer reading the output loses w input rows per head.
     */
    private List<Segment> heads(String name, CausalSelfAttention attention, List<List<Segment>> inputs) {
        boolean whole = inputs.stream().allMatch(i -> i != null && i.size() == 1 && i.get(0).offset == 0
                && i.get(0).length == attention.width());
        if (!whole || inputs.stream().map(i -> find(i.get(0).space)).distinct().count() != inputs.size()) {
            inputs.forEach(i -> block(i, "vertex " + name + " (attention) reads it together with tensors that are not "
                    + "three separate layers' full outputs, so Secateur cannot follow its heads"));
            return null;
        }
        int q = inputs.get(0).get(0).space;
        for (var other : inputs.subList(1, inputs.size())) {
            union(q, other.get(0).space);
        }
        inputs.forEach(i -> unitWidths.put(i.get(0).space, attention.width() / attention.heads()));
        return List.of(new Segment(q, 0, attention.width()));
    }

    private void activationBlocks(Layer conf, int index, List<Segment> spaces) {
        var activation = conf instanceof BaseLayer base ? base.getActivationFn()
                : conf instanceof ActivationLayer act ? act.getActivationFn() : null;
        if (activation != null && !NetworkLayout.mapsZeroToZero(activation)) {
            block(spaces, "the activation " + activation + " of layer " + index + " does not map 0 to 0, so a removed unit would not output 0");
        }
    }

    private void block(List<Segment> segments, String reason) {
        if (segments != null) {
            segments.forEach(s -> blocked.putIfAbsent(s.space, reason));
        }
    }

    private int find(int space) {
        while (parent[space] != space) {
            parent[space] = parent[parent[space]];
            space = parent[space];
        }
        return space;
    }

    private void union(int a, int b) {
        int ra = find(a);
        int rb = find(b);
        if (ra != rb) {
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }

    private List<UnitGroup> assemble() {
        var members = new LinkedHashMap<Integer, List<Integer>>();
        for (int index : plain.keySet()) {
            members.computeIfAbsent(find(index), r -> new ArrayList<>()).add(index);
        }
        var widths = new HashMap<Integer, Integer>();
        // heads of different widths joined into one space (by a residual add, say) cannot be removed together: −1
        unitWidths.forEach((space, width) -> widths.merge(find(space), width, (a, b) -> a.equals(b) ? a : -1));
        var groups = new ArrayList<UnitGroup>();
        for (var entry : members.entrySet()) {
            var layers = entry.getValue();
            int width = widths.getOrDefault(entry.getKey(), 1);
            String mixedHeads = width < 0 ? "it joins attention heads of different widths, which cannot be removed together" : null;
            width = Math.max(width, 1);
            var couple = new LinkedHashSet<ParamRef>();
            var reads = new ArrayList<UnitGroup.Consumer>();
            String keptWhole = null;
            for (int layer : layers) {
                couple.addAll(coupled.getOrDefault(layer, List.of()));
                for (var read : consumers.getOrDefault(layer, List.of())) {
                    reads.add(new UnitGroup.Consumer(read.param(), read.rowsPerUnit() * width, read.offset()));
                }
                if (keptWhole == null && blocked.containsKey(layer)) {
                    keptWhole = blocked.get(layer);
                }
            }
            if (keptWhole == null && mixedHeads != null) {
                keptWhole = mixedHeads;
            }
            if (keptWhole == null && reads.isEmpty()) {
                keptWhole = "no prunable layer reads it, so Secateur cannot remove its units' inputs downstream";
            }
            if (keptWhole == null && width > 1 && (!couple.isEmpty() || reads.stream().anyMatch(r -> r.offset() != 0))) {
                keptWhole = "its attention heads are concatenated or normalised with other channels, which Secateur does not slice by head";
            }
            var leaderLayer = layers.get(0);
            var followers = new ArrayList<PrunableParam>();
            for (int layer : layers.subList(1, layers.size())) {
                var p = plain.get(layer);
                followers.add(new PrunableParam(p.weights(), p.kind(), p.shape(), p.biasShape(), List.of(), List.of(),
                        plain.get(leaderLayer).weights(), width));
            }
            var l = plain.get(leaderLayer);
            var leader = new PrunableParam(l.weights(), l.kind(), l.shape(), l.biasShape(), List.copyOf(couple), followers, null, width);
            var producers = new ArrayList<PrunableParam>();
            producers.add(leader);
            producers.addAll(followers);
            groups.add(new UnitGroup(leader.weights().toString(), leader.units(), producers, List.copyOf(couple), reads, keptWhole));
        }
        return groups;
    }
}
