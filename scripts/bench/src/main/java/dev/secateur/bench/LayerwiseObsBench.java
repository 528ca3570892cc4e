package dev.secateur.bench;

import dev.secateur.plugin.PluginHost;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.testing.ArrayParamView;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Layer-wise OBS (the obs plugin, loaded from its jar) on one 1024×1024 dense layer with 2,048 calibration
 * rows: the input Gram XᵀX the statistics pass builds, the plugin's scores (one Cholesky inverse of H),
 * and its compensation of a 50% mask (two more factorisations, then the row-by-row update in blocks of
 * 128 columns). Median of the rounds after one warm-up.
 */
public final class LayerwiseObsBench {

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int d = 1024;
        int rows = 2048;
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.randn(DataType.FLOAT, rows, d).addi(Nd4j.randn(DataType.FLOAT, rows, 1).broadcast(rows, d).mul(0.5));
        INDArray w = Nd4j.randn(DataType.FLOAT, d, d).muli(0.03);
        try (var plugins = PluginHost.start(List.of(Path.of(System.getProperty("secateur.bench.plugins", "scripts/bench/target/plugins"))))) {
            var obs = plugins.saliency("obs").extension();
            double[] gram = new double[rounds];
            double[] score = new double[rounds];
            double[] compensate = new double[rounds];
            for (int round = -1; round < rounds; round++) {
                long t0 = System.nanoTime();
                INDArray g = x.transpose().mmul(x).divi(rows);
                long t1 = System.nanoTime();
                var view = new ArrayParamView(ParamRef.parse("0_W"), LayerKind.DENSE, w, Nd4j.onesLike(w), Map.of(), 1L)
                        .with(Requirement.INPUT_GRAM, g);
                INDArray s = obs.score(view, Options.NONE);
                long t2 = System.nanoTime();
                INDArray keep = s.gt(s.medianNumber()).castTo(DataType.FLOAT);
                obs.compensate(view, keep, Options.NONE);
                long t3 = System.nanoTime();
                if (round >= 0) {
                    gram[round] = (t1 - t0) / 1e9;
                    score[round] = (t2 - t1) / 1e9;
                    compensate[round] = (t3 - t2) / 1e9;
                }
                System.out.printf(Locale.ROOT, "  round %d: gram %.3f s, score %.3f s, compensate %.3f s%n",
                        round + 1, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
            }
            double total = Paired.median(gram) + Paired.median(score) + Paired.median(compensate);
            System.out.printf(Locale.ROOT, "OBS layer-wise, %dx%d dense layer, %d calibration rows: gram %.3f s + score %.3f s "
                            + "+ compensate 50%% %.3f s = %.3f s per layer (medians of %d rounds)%n",
                    d, d, rows, Paired.median(gram), Paired.median(score), Paired.median(compensate), total, rounds);
        }
    }
}
