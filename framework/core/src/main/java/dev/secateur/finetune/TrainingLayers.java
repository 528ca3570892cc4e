package dev.secateur.finetune;

import dev.secateur.model.Network;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;

/**
 * The layers {@link FineTuner} trains with in place of DL4J's where they do less work for the same result
 * ({@link TrainingConvolutionLayer}, {@link TrainingPoolingLayer}), swapped in while training runs and out after it,
 * so that the updater, the masks and a saved model see DL4J's layers.
 */
final class TrainingLayers {

    private TrainingLayers() {
    }

    /** A layer standing in for one of DL4J's while training runs. */
    interface StandIn extends Layer {
        /** Puts {@code original} back in this stand-in's place ({@code restore}), handing it what training changed. */
        void putBack(Layer original, Runnable restore);
    }

    /** The layers swapped in by {@link #during}; closing puts DL4J's back. */
    interface Swap extends AutoCloseable {
        @Override
        void close();
    }

    /** Puts a stand-in in place of each layer of {@code net} that one trains with less work, until the swap is closed. */
    static Swap during(Network net) {
        var undo = new ArrayList<Runnable>();
        Swap swap = () -> undo.forEach(Runnable::run);
        try {
            swapIn(net, undo);
        } catch (RuntimeException e) {
            swap.close(); // what was swapped in before the failure goes back
            throw e;
        }
        return swap;
    }

    /** The stand-in for {@code layer}, or null where DL4J's layer stays. */
    private static StandIn standIn(Layer layer, boolean readsInput) {
        StandIn convolution = TrainingConvolutionLayer.standIn(layer, readsInput);
        return convolution != null ? convolution : TrainingPoolingLayer.standIn(layer);
    }

    private static void swapIn(Network net, List<Runnable> undo) {
        if (net.isGraph()) {
            var graph = net.graph();
            var inputs = new HashSet<>(graph.getConfiguration().getNetworkInputs());
            var layers = graph.getLayers();
            for (var vertex : graph.getVertices()) {
                var swapped = vertex instanceof LayerVertex
                        ? standIn(vertex.getLayer(), inputs.containsAll(graph.getConfiguration().getVertexInputs().get(vertex.getVertexName())))
                        : null;
                if (swapped != null) {
                    var layerVertex = (LayerVertex) vertex;
                    var original = vertex.getLayer();
                    int at = List.of(layers).indexOf(original);
                    layerVertex.setLayer(swapped);
                    layers[at] = swapped;
                    undo.add(() -> swapped.putBack(original, () -> {
                        layerVertex.setLayer(original);
                        layers[at] = original;
                    }));
                }
            }
        } else {
            var layers = net.sequential("training").getLayers();
            for (int i = 0; i < layers.length; i++) {
                var swapped = standIn(layers[i], i == 0);
                if (swapped != null) {
                    var original = layers[i];
                    int at = i;
                    layers[at] = swapped;
                    undo.add(() -> swapped.putBack(original, () -> layers[at] = original));
                }
            }
        }
    }
}
