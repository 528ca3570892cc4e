package dev.secateur.bench;

import dev.secateur.evaluate.Evaluator;
import dev.secateur.finetune.FineTuner;
import dev.secateur.finetune.TrainingProgressListener;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.NativeBackend;
import dev.secateur.model.Network;
import dev.secateur.spec.TrainingSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A dense control's epochs through a long run of cosine-decayed steps, as an AGP run's control retrains at each
 * step: LeNet-300-100 from its initialisation on the full training split, each epoch its own decay from 1e-3 to 0,
 * with L2 1e-4 and batch 128. One network trains with Adam's tiny values flushed to zero (the default), a twin
 * from the same seed with them kept ({@code -Dsecateur.training.flushTinyMoments=false}), epoch by epoch in
 * alternating order in one JVM, after a warm-up of each. Each row gives both epochs' times and how many of each
 * network's weights and moments are subnormal floats after it. The epochs before the kept side has any subnormal
 * value measure what the flush itself costs.
 */
public final class TinyMomentsBench {

    public static void main(String[] args) {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        var data = BenchData.full();
        System.out.println("backend: " + NativeBackend.variant());
        var flushed = Architecture.LENET_300_100.network(1L, 1e-3);
        var kept = Architecture.LENET_300_100.network(1L, 1e-3);
        var spec = new TrainingSpec(1, 128, 1e-3, 1e-4, TrainingSpec.Decay.COSINE);
        var tuner = new FineTuner();
        // each side's plain loop compiled before the first timed epoch (the flushing one runs only once values are subnormal)
        var warmUp = data.train().sample(4000, 2L);
        tuner.train(Architecture.LENET_300_100.network(2L, 1e-3), warmUp, spec, MaskSet.NONE, 1L, TrainingProgressListener.NONE);
        keptProperty(() -> tuner.train(Architecture.LENET_300_100.network(2L, 1e-3), warmUp, spec, MaskSet.NONE, 1L,
                TrainingProgressListener.NONE));
        List<Double> clean = new ArrayList<>();
        List<Double> lastQuarter = new ArrayList<>();
        double flushedTotal = 0;
        double keptTotal = 0;
        System.out.println("LeNet-300-100, " + epochs + " epochs of " + data.train().size() + " examples, each a cosine decay "
                + "from 1e-3, L2 1e-4, batch 128; OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS") + ", alternating");
        System.out.println("| epoch | flushed s | kept s | kept / flushed | subnormal values, flushed | subnormal values, kept |");
        System.out.println("|---|---|---|---|---|---|");
        for (int epoch = 1; epoch <= epochs; epoch++) {
            double flushedSeconds = 0;
            double keptSeconds = 0;
            long seed = epoch;
            for (int turn = 0; turn < 2; turn++) {
                if ((turn == 0) == (epoch % 2 == 1)) {
                    flushedSeconds = seconds(() -> tuner.train(flushed, data.train(), spec, MaskSet.NONE, seed, TrainingProgressListener.NONE));
                } else {
                    keptSeconds = seconds(() -> keptProperty(() -> tuner.train(kept, data.train(), spec, MaskSet.NONE, seed,
                            TrainingProgressListener.NONE)));
                }
            }
            flushedTotal += flushedSeconds;
            keptTotal += keptSeconds;
            long keptSubnormals = subnormals(kept.params()) + subnormals(kept.updaterState());
            double ratio = keptSeconds / flushedSeconds;
            if (keptSubnormals == 0) {
                clean.add(ratio);
            }
            if (epoch > epochs * 3 / 4) {
                lastQuarter.add(ratio);
            }
            System.out.printf("| %d | %.2f | %.2f | %.2f | %d | %d |%n", epoch, flushedSeconds, keptSeconds, ratio,
                    subnormals(flushed.params()) + subnormals(flushed.updaterState()), keptSubnormals);
        }
        System.out.printf("total: flushed %.1f s, kept %.1f s (x%.2f)%n", flushedTotal, keptTotal, keptTotal / flushedTotal);
        System.out.printf("median kept / flushed: x%.2f over the %d epoch(s) after which the kept side had no subnormal value "
                + "(the flush's own cost), x%.2f over the last quarter%n", median(clean), clean.size(), median(lastQuarter));
        System.out.printf("test accuracy: flushed %.2f%%, kept %.2f%%%n",
                100 * Evaluator.quality(flushed, data.test()).accuracy(), 100 * Evaluator.quality(kept, data.test()).accuracy());
    }

    private static void keptProperty(Runnable training) {
        System.setProperty(FineTuner.FLUSH_TINY_MOMENTS_PROPERTY, "false");
        try {
            training.run();
        } finally {
            System.clearProperty(FineTuner.FLUSH_TINY_MOMENTS_PROPERTY);
        }
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        var sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    private static double seconds(Runnable work) {
        long start = System.nanoTime();
        work.run();
        return (System.nanoTime() - start) / 1e9;
    }

    private static long subnormals(INDArray array) {
        long count = 0;
        for (float v : array.data().asFloat()) {
            count += v != 0f && Math.abs(v) < Float.MIN_NORMAL ? 1 : 0;
        }
        return count;
    }
}
