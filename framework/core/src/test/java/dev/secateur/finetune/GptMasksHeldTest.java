package dev.secateur.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.data.Dataset;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.gpt.GptShape;
import dev.secateur.model.gpt.GptTiny;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.ParamRef;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GptMasksHeldTest {

    private static final int CONTEXT = 8;

    @Test
    void everyLinearLayerOfTheBlocksIsPrunableAndItsMaskIsHeldExactlyThroughFineTuning() {
        var shape = new GptShape(2, 16, 2, 32, CONTEXT, 256);
        Network net = GptTiny.network(shape, 1, 3e-3);
        var params = NetworkLayout.prunable(net);
        // Q, K, V, the output projection and both MLP layers of each block; embeddings and the head are left alone
        assertThat(params).extracting(p -> net.layerName(p.weights().layer())).containsExactlyInAnyOrder(
                "block0.q", "block0.k", "block0.v", "block0.proj", "block0.up", "block0.down",
                "block1.q", "block1.k", "block1.v", "block1.proj", "block1.up", "block1.down");

        Map<ParamRef, INDArray> masks = new HashMap<>();
        Nd4j.getRandom().setSeed(5);
        for (var p : params) {
            masks.put(p.weights(), Nd4j.rand(DataType.FLOAT, p.shape()).gt(0.5).castTo(DataType.FLOAT));
        }
        var maskSet = MaskSet.of(masks);
        maskSet.applyTo(net);
        Map<ParamRef, INDArray> before = new HashMap<>();
        params.forEach(p -> before.put(p.weights(), net.layer(p.weights().layer()).getParam("W").dup()));

        byte[] text = "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse"
                .repeat(8).getBytes(StandardCharsets.US_ASCII);
        int[] starts = new int[60];
        for (int k = 0; k < starts.length; k++) {
            starts[k] = k * (CONTEXT + 1);
        }
        new FineTuner().train(net, Dataset.ofText("text", text, starts, CONTEXT), new TrainingSpec(2, 8, 3e-3), maskSet, 1,
                TrainingProgressListener.NONE);

        for (var p : params) {
            INDArray w = net.layer(p.weights().layer()).getParam("W");
            INDArray removed = masks.get(p.weights()).rsub(1.0);
            assertThat(w.mul(removed).amaxNumber().doubleValue()).as("%s: removed weights stay 0", p.weights()).isZero();
            INDArray kept = masks.get(p.weights());
            assertThat(w.sub(before.get(p.weights())).mul(kept).amaxNumber().doubleValue())
                    .as("%s: kept weights train", p.weights()).isGreaterThan(0);
        }
    }
}
