package dev.secateur.evaluate;

import dev.secateur.model.Network;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An inference copy of a network with each batch normalisation that follows a convolution folded into it, as
 * inference engines do: the convolution's weights for output channel {@code c} scaled by the normalisation's
 * {@code scale[c]}, its bias made {@code b[c]·scale[c] + shift[c]} ({@link BatchNormAffine}), and the normalisation
 * layer gone. It computes what the network does up to the order of float operations ({@code BatchNormFoldingTest}),
 * in one pass over each activation fewer: resnet-small's evaluation spent 27% of its time in the normalisation layers
 * (docs/results/speed.md).
 *
 * <p>A normalisation is folded only where that is exact: it reads a plain 2-D convolution (NCHW, no activation) that
 * nothing else reads, and has no preprocessor. The copy is for forward passes; the network is left as it was.
 */
public final class BatchNormFolding {

    private BatchNormFolding() {
    }

    /**
     * What a forward pass runs in place of {@code net}: its folded copy, or {@code net} itself where no normalisation
     * can be folded. The evaluator, the latency probes, {@code predict}, {@link SmallBatchForward} and the per-layer
     * profile of a removal run it.
     */
    public static Network forInference(Network net) {
        try {
            Network folded = fold(net);
            return folded != null ? folded : net;
        } catch (RuntimeException e) {
            // a network this class misreads (a custom layer that cannot be cloned, say) is answered as it is
            return net;
        }
    }

    /** The folded copy, or null when no normalisation in {@code net} can be folded. */
    static Network fold(Network net) {
        return net.isGraph() ? foldGraph(net.graph()) : foldSequential(net.sequential("folding"));
    }

    /**
     * A plain 2-D convolution by its exact class (deconvolutions, depthwise and separable ones lay their weights out
     * otherwise), with no activation of its own, then a normalisation of as many NCHW channels. The normalisation's
     * declared activation is dropped, as DL4J 1.0.0-M2.1's layer never applies it ({@link BatchNormAffine}).
     */
    private static boolean foldable(NeuralNetConfiguration convolution, NeuralNetConfiguration normalisation) {
        return convolution.getLayer() != null && convolution.getLayer().getClass() == ConvolutionLayer.class
                && normalisation.getLayer() instanceof BatchNormalization bn
                && ((ConvolutionLayer) convolution.getLayer()).getActivationFn() instanceof ActivationIdentity
                && ((ConvolutionLayer) convolution.getLayer()).getCnn2dDataFormat() == CNN2DFormat.NCHW
                && bn.getCnn2DFormat() == CNN2DFormat.NCHW
                && bn.getNOut() == ((ConvolutionLayer) convolution.getLayer()).getNOut();
    }

    private static Network foldSequential(MultiLayerNetwork net) {
        // looked for in the network's own configuration: cloning it costs more than a perceptron's evaluation batch
        var original = net.getLayerWiseConfigurations();
        var folds = new TreeMap<Integer, Integer>(); // convolution -> the normalisation folded into it, by layer index
        for (int i = 1; i < original.getConfs().size(); i++) {
            if (foldable(original.getConf(i - 1), original.getConf(i)) && original.getInputPreProcess(i) == null) {
                folds.put(i - 1, i);
            }
        }
        if (folds.isEmpty()) {
            return null;
        }
        MultiLayerConfiguration conf = original.clone();
        List<NeuralNetConfiguration> confs = conf.getConfs();
        Map<Integer, InputPreProcessor> preProcessors = conf.getInputPreProcessors();
        // the layers kept, each at its new index; a normalisation's consumer reads the convolution directly
        var kept = new ArrayList<Integer>();
        var keptConfs = new ArrayList<NeuralNetConfiguration>();
        var keptPreProcessors = new TreeMap<Integer, InputPreProcessor>();
        for (int i = 0; i < confs.size(); i++) {
            if (folds.containsValue(i)) {
                continue;
            }
            if (preProcessors.containsKey(i)) {
                keptPreProcessors.put(kept.size(), preProcessors.get(i));
            }
            kept.add(i);
            keptConfs.add(confs.get(i));
        }
        folds.keySet().forEach(convolution -> ((ConvolutionLayer) confs.get(convolution).getLayer()).setHasBias(true));
        conf.setConfs(keptConfs);
        conf.setInputPreProcessors(keptPreProcessors);
        var folded = new MultiLayerNetwork(conf);
        // given zeros rather than left to initialise: init() would reseed ND4J's generator and draw every weight
        long count = keptConfs.stream().mapToLong(c -> c.getLayer().initializer().numParams(c)).sum();
        folded.init(Nd4j.zeros(net.params().dataType(), 1, count), false);
        for (int to = 0; to < kept.size(); to++) {
            int from = kept.get(to);
            Integer normalisation = folds.get(from);
            copyParams(net.getLayer(from), folded.getLayer(to), normalisation == null ? null
                    : BatchNormAffine.of(net.getLayer(normalisation), (BatchNormalization) confs.get(normalisation).getLayer()));
        }
        return Network.of(folded);
    }

    private static Network foldGraph(ComputationGraph graph) {
        var folds = folds(graph.getConfiguration());
        if (folds.isEmpty()) {
            return null;
        }
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        Map<String, GraphVertex> vertices = new LinkedHashMap<>(conf.getVertices());
        Map<String, List<String>> inputs = new LinkedHashMap<>();
        conf.getVertexInputs().forEach((name, in) -> inputs.put(name, new ArrayList<>(in)));
        List<String> outputs = new ArrayList<>(conf.getNetworkOutputs());
        folds.forEach((convolution, normalisation) -> {
            ((ConvolutionLayer) ((LayerVertex) vertices.get(convolution)).getLayerConf().getLayer()).setHasBias(true);
            vertices.remove(normalisation);
            inputs.remove(normalisation);
            inputs.values().forEach(in -> in.replaceAll(name -> name.equals(normalisation) ? convolution : name));
            outputs.replaceAll(name -> name.equals(normalisation) ? convolution : name);
        });
        conf.setVertices(vertices);
        conf.setVertexInputs(inputs);
        conf.setNetworkOutputs(outputs);
        // the order DL4J cached for the original vertices; the new graph works its own out
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        var folded = new ComputationGraph(conf);
        long count = vertices.values().stream().mapToLong(vertex -> vertex.numParams(true)).sum();
        folded.init(Nd4j.zeros(graph.params().dataType(), 1, count), false);
        for (var layer : folded.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            String normalisation = folds.get(name);
            copyParams(graph.getLayer(name), layer, normalisation == null ? null
                    : BatchNormAffine.of(graph.getLayer(normalisation), (BatchNormalization) graph.getLayer(normalisation).conf().getLayer()));
        }
        return Network.of(folded);
    }

    /** Each convolution a normalisation can be folded into, with that normalisation, read from {@code conf} unchanged. */
    private static Map<String, String> folds(ComputationGraphConfiguration conf) {
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        var folds = new LinkedHashMap<String, String>();
        for (var entry : vertices.entrySet()) {
            List<String> in = inputs.get(entry.getKey());
            if (!(entry.getValue() instanceof LayerVertex normalisation) || in == null || in.size() != 1
                    || normalisation.getPreProcessor() != null || !(vertices.get(in.get(0)) instanceof LayerVertex convolution)) {
                continue;
            }
            String read = in.get(0);
            boolean readOnlyHere = !conf.getNetworkOutputs().contains(read) && inputs.entrySet().stream()
                    .noneMatch(e -> !e.getKey().equals(entry.getKey()) && e.getValue().contains(read));
            if (readOnlyHere && foldable(convolution.getLayerConf(), normalisation.getLayerConf())) {
                folds.put(read, entry.getKey());
            }
        }
        return folds;
    }

    /** Copies a layer's parameters; a convolution with a normalisation folded in gets its scaled weights and new bias. */
    private static void copyParams(Layer from, Layer to, BatchNormAffine folded) {
        if (folded == null) {
            from.paramTable().forEach((key, value) -> to.getParam(key).assign(value));
            return;
        }
        INDArray weights = from.getParam(DefaultParamInitializer.WEIGHT_KEY);
        long[] shape = weights.shape(); // [outputs, inputs, kernel height, kernel width]
        float[] w = weights.castTo(DataType.FLOAT).dup('c').data().asFloat();
        int perOutput = (int) (w.length / shape[0]);
        for (int i = 0; i < w.length; i++) {
            w[i] *= folded.scale()[i / perOutput];
        }
        INDArray bias = from.getParam(DefaultParamInitializer.BIAS_KEY);
        float[] b = new float[(int) shape[0]];
        for (int c = 0; c < b.length; c++) {
            b[c] = (bias == null ? 0f : bias.getFloat(c)) * folded.scale()[c] + folded.shift()[c];
        }
        to.getParam(DefaultParamInitializer.WEIGHT_KEY).assign(Nd4j.create(w, shape, 'c'));
        INDArray newBias = to.getParam(DefaultParamInitializer.BIAS_KEY);
        newBias.assign(Nd4j.create(b, newBias.shape(), 'c'));
    }
}
