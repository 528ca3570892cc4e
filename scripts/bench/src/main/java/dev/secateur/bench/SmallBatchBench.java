package dev.secateur.bench;

import dev.secateur.evaluate.Evaluator;
import dev.secateur.evaluate.SmallBatchForward;
import dev.secateur.model.Architecture;
import dev.secateur.model.Network;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code scripts/bench/run.sh smallbatch}: LeNet-300-100's forward pass through {@link SmallBatchForward} and through
 * DL4J's {@code output}, side by side at batch 1 to 32 on random inputs (no zeros to skip), median of 500 passes each
 * after 300 untimed, two rounds. Where the first stops winning is where {@code Evaluator.SMALL_BATCH} sits.
 */
public final class SmallBatchBench {

    public static void main(String[] args) {
        var net = Network.of(Architecture.LENET_300_100.build(1L, 1e-3));
        for (int round = 1; round <= 2; round++) {
            for (int batch : new int[]{1, 2, 4, 8, 16, 32}) {
                var x = Nd4j.rand(DataType.FLOAT, batch, 784);
                var small = SmallBatchForward.of(net);
                double java = Evaluator.medianMs(() -> small.output(x), 300, 500);
                double dl4j = Evaluator.medianMs(() -> net.output(x), 300, 500);
                System.out.printf(Locale.ROOT, "round %d, batch %2d: SmallBatchForward %.4f ms, DL4J output %.4f ms (x%.2f)%n",
                        round, batch, java, dl4j, dl4j / java);
            }
        }
    }
}
