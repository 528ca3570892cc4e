package dev.secateur.shrink;

import dev.secateur.evaluate.Evaluator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The honest speed-up of physical removal: the two networks measured in one sitting, alternating. */
public final class SideBySide {

    private SideBySide() {
    }

    /**
     * The masked network against the shrunk one, measured side by side: parameters, FLOPs per example, and
     * the median latency at batch 1 and 256 on random inputs, the two models alternating.
     */
    public static List<String> measure(MultiLayerNetwork masked, MultiLayerNetwork shrunk) {
        int inputs = inputSize(masked);
        var evaluator = new Evaluator();
        INDArray one = Nd4j.rand(DataType.FLOAT, 1, inputs);
        var before = evaluator.census(masked, one);
        var after = evaluator.census(shrunk, one);
        var lines = new ArrayList<String>();
        lines.add(String.format(Locale.ROOT, "params %,d -> %,d (%.1f%% fewer); FLOPs per example %,d -> %,d (%.1f%% fewer)",
                before.params(), after.params(), 100.0 * (before.params() - after.params()) / before.params(),
                before.flops(), after.flops(), 100.0 * (before.flops() - after.flops()) / before.flops()));
        for (int batch : new int[]{1, 256}) {
            INDArray x = Nd4j.rand(DataType.FLOAT, batch, inputs);
            int warmup = batch == 1 ? 20 : 3;
            int repeats = batch == 1 ? 50 : 10;
            double[] a = new double[3];
            double[] b = new double[3];
            for (int round = 0; round < 3; round++) {
                a[round] = Evaluator.latencyMs(masked, x, warmup, repeats);
                b[round] = Evaluator.latencyMs(shrunk, x, warmup, repeats);
            }
            java.util.Arrays.sort(a);
            java.util.Arrays.sort(b);
            lines.add(String.format(Locale.ROOT, "latency at batch %d: %.3f ms masked, %.3f ms shrunk (x%.2f; medians of 3 alternating rounds)",
                    batch, a[1], b[1], a[1] / b[1]));
        }
        return lines;
    }

    /** Features per example: the flat input a network's first layer (or its preprocessor) expects. */
    private static int inputSize(MultiLayerNetwork net) {
        var pre = net.getLayerWiseConfigurations().getInputPreProcess(0);
        if (pre instanceof FeedForwardToCnnPreProcessor cnn) {
            return (int) (cnn.getInputHeight() * cnn.getInputWidth() * cnn.getNumChannels());
        }
        return net.layerInputSize(0);
    }

}
