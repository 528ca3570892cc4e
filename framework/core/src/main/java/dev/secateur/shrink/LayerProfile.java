package dev.secateur.shrink;

import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where the time of one forward pass goes, layer by layer, next to where the FLOPs go. It explains a
 * latency cut smaller than the FLOPs cut: layers without weights (pooling, batch norm, activations) cost
 * time but no counted FLOPs, and a convolution's time is not proportional to its multiply-adds when its
 * im2col copy or memory traffic dominates.
 */
public final class LayerProfile {

    private LayerProfile() {
    }

    /**
     * One layer's share.
     *
     * @param ms    median wall time of the layer's forward pass (its input preprocessor included)
     * @param flops the layer's FLOPs per example as the census counts them; 0 for layers without weights
     */
    public record Row(int layer, String type, double ms, long flops) {
    }

    /** One timed forward pass: each layer's wall time, and what the pass computed (the network's output). */
    record Pass(double[] ms, INDArray output) {
    }

    public static List<Row> of(Network net, INDArray x, int warmup, int repeats) {
        int n = net.layerCount();
        double[][] times = new double[n][repeats];
        for (int r = -warmup; r < repeats; r++) {
            double[] once = pass(net, x).ms();
            if (r >= 0) {
                for (int i = 0; i < n; i++) {
                    times[i][r] = once[i];
                }
            }
        }
        var flops = new HashMap<Integer, Long>();
        var outputs = net.layerOutputs(x.getRow(0, true));
        for (var param : NetworkLayout.prunable(net)) {
            long positions = param.positions(outputs.get(param.weights().layer()).shape(), 1);
            flops.put(param.weights().layer(), param.flops(positions));
        }
        var rows = new ArrayList<Row>(n);
        for (int i = 0; i < n; i++) {
            Arrays.sort(times[i]);
            rows.add(new Row(i, net.layer(i).conf().getLayer().getClass().getSimpleName(), times[i][repeats / 2],
                    flops.getOrDefault(i, 0L)));
        }
        return rows;
    }

    static Pass pass(Network net, INDArray x) {
        return net.isGraph() ? graphPass(net, x) : sequentialPass(net, x);
    }

    private static Pass sequentialPass(Network net, INDArray x) {
        var sequential = net.sequential("the layer profile");
        var conf = sequential.getLayerWiseConfigurations();
        var workspaces = LayerWorkspaceMgr.noWorkspaces();
        double[] ms = new double[sequential.getnLayers()];
        INDArray a = x;
        for (int i = 0; i < ms.length; i++) {
            long start = System.nanoTime();
            var pre = conf.getInputPreProcess(i);
            if (pre != null) {
                a = pre.preProcess(a, (int) x.size(0), workspaces);
            }
            a = sequential.getLayer(i).activate(a, false, workspaces);
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        return new Pass(ms, a);
    }

    /** A graph in topological order; vertices that are not layers (adds, merges) are timed into no layer. */
    private static Pass graphPass(Network net, INDArray x) {
        var graph = net.graph();
        var workspaces = LayerWorkspaceMgr.noWorkspaces();
        var index = new HashMap<String, Integer>();
        for (int i = 0; i < net.layerCount(); i++) {
            index.put(net.layerName(i), i);
        }
        double[] ms = new double[net.layerCount()];
        GraphVertex[] vertices = graph.getVertices();
        var values = new INDArray[vertices.length];
        graph.setInput(0, x); // layers ask the graph for the batch size
        for (int v : graph.topologicalSortOrder()) {
            var vertex = vertices[v];
            if (vertex.isInputVertex()) {
                values[v] = x;
                continue;
            }
            long start = System.nanoTime();
            var inputs = vertex.getInputVertices();
            for (int k = 0; k < inputs.length; k++) {
                vertex.setInput(k, values[inputs[k].getVertexIndex()], workspaces);
            }
            values[v] = vertex.doForward(false, workspaces);
            Integer layer = index.get(vertex.getVertexName());
            if (layer != null) {
                ms[layer] = (System.nanoTime() - start) / 1e6;
            }
        }
        graph.clearLayersStates();
        var output = graph.getVertex(graph.getConfiguration().getNetworkOutputs().get(0));
        return new Pass(ms, values[output.getVertexIndex()]);
    }
}
