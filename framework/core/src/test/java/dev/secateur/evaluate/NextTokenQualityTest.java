package dev.secateur.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.data.Dataset;
import dev.secateur.model.Network;
import dev.secateur.model.gpt.GptShape;
import dev.secateur.model.gpt.GptTiny;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

class NextTokenQualityTest {

    private static final int CONTEXT = 8;

    private static Dataset text(int sequences) {
        byte[] text = "It is a truth universally acknowledged, that a single man in possession of a good fortune must be in want"
                .repeat(4).getBytes(StandardCharsets.US_ASCII);
        int[] starts = new int[sequences];
        for (int k = 0; k < sequences; k++) {
            starts[k] = k * (CONTEXT + 1);
        }
        return Dataset.ofText("text", text, starts, CONTEXT);
    }

    @Test
    void lossIsTheMeanNextTokenCrossEntropyOverEveryTokenAsDl4jScoresIt() {
        Network net = GptTiny.network(new GptShape(1, 16, 2, 32, CONTEXT, 256), 4, 3e-3);
        var data = text(40);
        var fit = new DataSet(data.features(), data.labels());
        for (int i = 0; i < 20; i++) {
            net.graph().fit(fit); // away from the uniform start, so the check is not trivial
        }
        var quality = Evaluator.quality(net, data);
        double score = net.graph().score(fit, false);
        assertThat(quality.loss()).isCloseTo(score, within(1e-4));
        assertThat(quality.loss()).isLessThan(Math.log(256) - 0.5);

        // next-token accuracy, counted here from the probabilities row by row
        var probabilities = net.output(data.features());
        long correct = 0;
        for (int token = 0; token < data.size() * CONTEXT; token++) {
            int label = data.labels().getInt(token / CONTEXT, token % CONTEXT);
            if (probabilities.getRow(token).argMax().getInt(0) == label) {
                correct++;
            }
        }
        assertThat(quality.accuracy()).isEqualTo((double) correct / (data.size() * CONTEXT));
    }

    @Test
    void theCensusCountsEveryTokenOfASequence() {
        var shape = new GptShape(1, 16, 2, 32, CONTEXT, 256);
        Network net = GptTiny.network(shape, 4, 3e-3);
        var census = new Evaluator().census(net, text(2));
        // per sequence: each of the 6 linear layers once per token, 2 FLOPs per weight plus the bias adds,
        // the head's, and attention's QKᵀ and sum over V, each T·T·d multiply-accumulates
        long perToken = 4 * (2L * 16 * 16 + 16) + (2L * 16 * 32 + 32) + (2L * 32 * 16 + 16) + (2L * 16 * 256 + 256);
        long attention = 2 * (2L * CONTEXT * CONTEXT * 16);
        assertThat(census.flops()).isEqualTo(CONTEXT * perToken + attention);
    }
}
