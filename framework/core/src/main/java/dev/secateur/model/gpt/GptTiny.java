package dev.secateur.model.gpt;

import dev.secateur.model.Network;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.UniformDistribution;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * {@code gpt-tiny}: a decoder-only transformer (GPT-2's layout at a small size) as a {@code ComputationGraph}.
 * Token and position embeddings; pre-layer-norm blocks of causal multi-head attention and a GELU MLP, each added
 * to the residual stream; a final layer norm and the linear head. Q, K, V, the attention's output projection and
 * the two MLP layers are dense layers ({@link TokenLinear}), so every linear weight is a prunable parameter with its own mask, and
 * a layer's inputs are token rows. Vertices are named {@code block<i>.<part>}.
 */
public final class GptTiny {

    private GptTiny() {
    }

    public static final String INPUT = "tokens";
    public static final String EMBEDDING = "embedding";
    public static final String FINAL_NORM = "norm";
    public static final String HEAD = "head";

    /** The linear layers of block {@code i}, in the order a token's row passes them. */
    public static final String[] LINEARS = {"q", "k", "v", "proj", "up", "down"};

    public static String vertex(int block, String part) {
        return "block" + block + "." + part;
    }

    /** A freshly initialised {@code gpt-tiny} of this shape, in single precision, with Adam at the given rate. */
    public static Network network(GptShape shape, long seed, double learningRate) {
        return network(shape, seed, new Adam(learningRate), DataType.FLOAT);
    }

    /** The same with any optimiser and precision (gradient checks use plain steps in double precision). */
    public static Network network(GptShape shape, long seed, IUpdater updater, DataType dataType) {
        int d = shape.dModel();
        var g = new NeuralNetConfiguration.Builder().seed(seed).updater(updater).dataType(dataType)

                .graphBuilder().addInputs(INPUT).setInputTypes(InputType.feedForward(shape.context()));
        g.addLayer(EMBEDDING, new TokenEmbedding(shape.vocabulary(), shape.context(), d), INPUT);
        String stream = EMBEDDING;
        for (int b = 0; b < shape.layers(); b++) {
            g.addLayer(vertex(b, "norm1"), new TokenLayerNorm(d), stream);
            for (String part : new String[]{"q", "k", "v"}) {
                g.addLayer(vertex(b, part), linear(d, d, Activation.IDENTITY), vertex(b, "norm1"));
            }
            g.addVertex(vertex(b, "attention"), new CausalSelfAttention(shape.heads(), shape.context(), d),
                    vertex(b, "q"), vertex(b, "k"), vertex(b, "v"));
            g.addLayer(vertex(b, "proj"), linear(d, d, Activation.IDENTITY), vertex(b, "attention"));
            g.addVertex(vertex(b, "add1"), new ElementWiseVertex(ElementWiseVertex.Op.Add), stream, vertex(b, "proj"));
            g.addLayer(vertex(b, "norm2"), new TokenLayerNorm(d), vertex(b, "add1"));
            g.addLayer(vertex(b, "up"), linear(d, shape.mlp(), Activation.GELU), vertex(b, "norm2"));
            g.addLayer(vertex(b, "down"), linear(shape.mlp(), d, Activation.IDENTITY), vertex(b, "up"));
            g.addVertex(vertex(b, "add2"), new ElementWiseVertex(ElementWiseVertex.Op.Add), vertex(b, "add1"), vertex(b, "down"));
            stream = vertex(b, "add2");
        }
        g.addLayer(FINAL_NORM, new TokenLayerNorm(d), stream);
        var head = new NextTokenOutput(d, shape.vocabulary(), shape.context());
        head.setWeightInitFn(new WeightInitDistribution(uniform(d)));
        head.setBiasInit(0);
        g.addLayer(HEAD, head, FINAL_NORM);
        g.setOutputs(HEAD);
        var graph = new ComputationGraph(g.build());
        graph.init();
        return Network.of(graph);
    }

    private static TokenLinear linear(int in, int out, Activation activation) {
        return new TokenLinear(in, out, activation, uniform(in));
    }

    /**
     * PyTorch's nn.Linear weights, U(−1/√in, 1/√in), as peer.py's twin has them; biases start at 0, where PyTorch draws
     * them from the same uniform. With GPT-2's N(0, 0.02), Adam at 3e-3 left this model near a bigram's perplexity
     * (docs/results/llm-era.md).
     */
    private static UniformDistribution uniform(int in) {
        return new UniformDistribution(-1 / Math.sqrt(in), 1 / Math.sqrt(in));
    }
}
