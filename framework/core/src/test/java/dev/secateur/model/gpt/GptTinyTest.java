package dev.secateur.model.gpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.Network;
import dev.secateur.model.onnx.OnnxWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

class GptTinyTest {

    private static final GptShape TINY = new GptShape(2, 8, 2, 12, 5, 11);

    /** Token ids for {@code sequences} sequences of the shape's context, one sequence per row. */
    private static INDArray ids(GptShape shape, int sequences, long seed) {
        var random = new Random(seed);
        double[] ids = new double[sequences * shape.context()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(shape.vocabulary());
        }
        return Nd4j.createFromArray(ids).reshape(sequences, shape.context());
    }

    @Test
    void everyGradientMatchesFiniteDifferences() {
        DataType defaultType = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE); // GradientCheckUtil asks for it
        try {
            checkGradients();
        } finally {
            Nd4j.setDefaultDataTypes(defaultType, defaultType);
        }
    }

    private static void checkGradients() {
        Network net = GptTiny.network(TINY, 3, new NoOp(), DataType.DOUBLE);
        var graph = net.graph();
        // random, non-trivial layer norms so their gradients are checked away from gain 1, bias 0
        graph.paramTable().forEach((key, value) -> {
            if (key.endsWith("_" + TokenLayerNorm.GAIN) || key.endsWith("_" + TokenLayerNorm.BIAS)) {
                value.assign(Nd4j.rand(DataType.DOUBLE, value.shape()).addi(0.5));
            }
        });
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(graph)
                .inputs(new INDArray[]{ids(TINY, 3, 1)}).labels(new INDArray[]{ids(TINY, 3, 2)})
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false));
        assertTrue(ok, "analytic gradients of gpt-tiny differ from finite differences (see the log above)");
    }

    @Test
    void startsFromPyTorchsDefaultWeightsWithZeroBiases() {
        // GPT-2's N(0, 0.02) (0.02/sqrt(8) on the residual layers) left the default model near a bigram's perplexity
        var graph = GptTiny.network(GptShape.DEFAULT, 7, 3e-3).graph();
        INDArray tokens = graph.getParam(GptTiny.EMBEDDING + "_" + TokenEmbedding.TOKENS);
        assertEquals(0, tokens.meanNumber().doubleValue(), 0.05, "nn.Embedding draws N(0, 1)");
        assertEquals(1, tokens.stdNumber().doubleValue(), 0.05, "nn.Embedding draws N(0, 1)");
        assertEquals(0, graph.getParam(GptTiny.EMBEDDING + "_" + TokenEmbedding.POSITIONS).norm1Number().doubleValue(),
                "positions start at 0, as peer.py's twin has them");
        for (String linear : new String[]{GptTiny.vertex(0, "q"), GptTiny.vertex(1, "k"), GptTiny.vertex(2, "v"),
                GptTiny.vertex(3, "proj"), GptTiny.vertex(1, "up"), GptTiny.vertex(2, "down"), GptTiny.HEAD}) {
            INDArray w = graph.getParam(linear + "_W");
            double bound = 1 / Math.sqrt(w.rows());
            // nn.Linear: U(-1/sqrt(in), 1/sqrt(in)), whose standard deviation is bound/sqrt(3)
            assertTrue(w.amaxNumber().doubleValue() <= bound, linear + " lies within ±1/sqrt(in)");
            assertEquals(bound / Math.sqrt(3), w.stdNumber().doubleValue(), 0.03 * bound, linear + " is uniform over ±1/sqrt(in)");
            assertEquals(0, graph.getParam(linear + "_b").norm1Number().doubleValue(), linear + "'s bias starts at 0");
        }
    }

    @Test
    void aTokenThatRepeatsGetsTheSumOfItsRowsGradients() {
        // 2,048 tokens, every one the same byte: its embedding's gradient is the sum of every row's
        var shape = new GptShape(1, 8, 2, 12, 64, 11);
        Network net = GptTiny.network(shape, 3, new NoOp(), DataType.DOUBLE);
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 32, 64);
        INDArray y = ids(shape, 32, 2);
        net.graph().setInput(0, x);
        net.graph().setLabels(y);
        net.graph().computeGradientAndScore();
        INDArray tokens = net.graph().gradient().getGradientFor(GptTiny.EMBEDDING + "_" + TokenEmbedding.TOKENS);
        INDArray positions = net.graph().gradient().getGradientFor(GptTiny.EMBEDDING + "_" + TokenEmbedding.POSITIONS);
        // every position's row feeds token 0, so token 0's gradient is the positions' gradients summed
        assertEquals(0.0, tokens.getRow(0).sub(positions.sum(0)).amaxNumber().doubleValue(), 1e-12);
        assertEquals(0.0, tokens.getRow(1).amaxNumber().doubleValue(), 0.0);
    }

    @Test
    void aLaterTokenNeverChangesAnEarlierPrediction() {
        Network net = GptTiny.network(TINY, 5, new NoOp(), DataType.DOUBLE);
        INDArray x = ids(TINY, 2, 7);
        INDArray before = net.output(x);
        int t = TINY.context();
        for (int changed = 0; changed < t; changed++) {
            INDArray y = x.dup();
            int row = t + changed; // the token's row among the outputs: the second sequence's
            y.putScalar(1, changed, (x.getDouble(1, changed) + 1) % TINY.vocabulary());
            INDArray after = net.output(y);
            for (int r = 0; r < 2 * t; r++) {
                boolean mayChange = r >= t + changed;
                double diff = after.getRow(r).sub(before.getRow(r)).amaxNumber().doubleValue();
                if (mayChange && r == row) {
                    assertTrue(diff > 0, "the changed token's own prediction should depend on it");
                } else if (!mayChange) {
                    assertEquals(0.0, diff, 1e-12, "row " + r + " changed when token " + row + " did");
                }
            }
        }
    }

    @Test
    void learnsARepeatingTextFarBelowChance() {
        var shape = new GptShape(1, 16, 2, 32, 8, 11);
        Network net = GptTiny.network(shape, 1, 3e-3);
        double[] ids = new double[16 * shape.context()];
        double[] next = new double[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (i * 3) % 7;
            next[i] = ((i + 1) * 3) % 7;
        }
        var data = new DataSet(Nd4j.createFromArray(ids).reshape(16, shape.context()).castTo(DataType.FLOAT),
                Nd4j.createFromArray(next).reshape(16, shape.context()).castTo(DataType.FLOAT));
        net.graph().fit(data);
        double first = net.graph().score();
        for (int i = 0; i < 150; i++) {
            net.graph().fit(data);
        }
        double last = net.graph().score();
        assertTrue(first > Math.log(7), "an untrained model's loss is about ln 11, got " + first);
        assertTrue(last < 0.2, "the loss on a repeating text should fall far below chance (ln 7 = 1.95), got " + last);
    }

    @Test
    void savedAndRestoredGivesTheSameOutputs() throws IOException {
        Network net = GptTiny.network(TINY, 9, new Adam(1e-3), DataType.FLOAT);
        INDArray x = ids(TINY, 2, 3).castTo(DataType.FLOAT);
        net.graph().fit(new DataSet(x, ids(TINY, 2, 4).castTo(DataType.FLOAT)));
        var bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net.graph(), bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertEquals(net.graph().getConfiguration(), restored.getConfiguration());
        assertEquals(net.output(x), Network.of(restored).output(x));
        assertEquals(net.updaterState(), Network.of(restored).updaterState());
    }

    @Test
    void paramsAreViewsTheOptimiserUpdates() {
        Network net = GptTiny.network(TINY, 9, 1e-2);
        INDArray positions = net.getParam(GptTiny.EMBEDDING + "_" + TokenEmbedding.POSITIONS);
        INDArray gain = net.getParam(GptTiny.vertex(0, "norm1") + "_" + TokenLayerNorm.GAIN);
        INDArray p0 = positions.dup();
        INDArray g0 = gain.dup();
        INDArray x = ids(TINY, 2, 3).castTo(DataType.FLOAT);
        net.graph().fit(new DataSet(x, ids(TINY, 2, 4).castTo(DataType.FLOAT)));
        assertNotEquals(p0, positions);
        assertNotEquals(g0, gain);
        assertEquals(net.params().length(), net.numParams());
    }

    @Test
    void refusesSequencesOfAnotherLengthAndIdsOutsideTheVocabulary() {
        Network net = GptTiny.network(TINY, 9, 1e-2);
        var partial = assertThrows(BadInputException.class, () -> net.output(Nd4j.zeros(DataType.FLOAT, 7, 4)));
        assertTrue(partial.getMessage().contains("sequences of 5 token ids"), partial.getMessage());
        INDArray outside = Nd4j.zeros(DataType.FLOAT, 1, 5);
        outside.putScalar(0, 2, 11);
        var vocab = assertThrows(BadInputException.class, () -> net.output(outside));
        assertTrue(vocab.getMessage().contains("token id 11"), vocab.getMessage());
    }

    @Test
    void exportToOnnxIsRefusedClearly() {
        Network net = GptTiny.network(TINY, 9, 1e-2);
        var e = assertThrows(BadInputException.class, () -> OnnxWriter.write(net));
        assertTrue(e.getMessage().contains("layer 0 'embedding'") && e.getMessage().contains("no ONNX form"), e.getMessage());
    }

    @Test
    void shapesAreCheckedWithTheFix() {
        var e = assertThrows(BadInputException.class, () -> new GptShape(2, 10, 4, 16, 8, 256));
        assertTrue(e.getMessage().contains("dModel 10 is not a multiple of heads 4"), e.getMessage());
        assertThrows(BadInputException.class, () -> new GptShape(0, 8, 2, 16, 8, 256));
    }
}
