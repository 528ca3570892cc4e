package dev.secateur.bench;

import dev.secateur.finetune.FineTuner;
import dev.secateur.finetune.TrainingProgressListener;
import dev.secateur.model.Architecture;
import dev.secateur.model.NativeBackend;
import dev.secateur.model.MaskSet;
import dev.secateur.spec.TrainingSpec;
import java.util.Locale;

/**
 * LeNet-5 and LeNet-300-100 training throughput (batch 64) with whichever ND4J native build is on the
 * classpath and whatever OMP_NUM_THREADS says. scripts/bench/run.sh runs it once per classifier or thread
 * count, round-robin, and compares.
 */
public final class BackendBench {

    public static void main(String[] args) {
        int examples = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        var data = BenchData.full();
        var train = data.train().sample(examples, 1L);
        var warm = data.train().sample(500, 2L);
        var net = Architecture.LENET_5.build(1L, 1e-3);
        var tuner = new FineTuner();
        tuner.train(net, warm, new TrainingSpec(1, 64, 1e-3), MaskSet.NONE, 1L, TrainingProgressListener.NONE);
        var report = tuner.train(net, train, new TrainingSpec(1, 64, 1e-3), MaskSet.NONE, 1L, TrainingProgressListener.NONE);
        var mlp = Architecture.LENET_300_100.build(1L, 1e-3);
        tuner.train(mlp, warm, new TrainingSpec(1, 64, 1e-3), MaskSet.NONE, 1L, TrainingProgressListener.NONE);
        var mlpReport = tuner.train(mlp, data.train().sample(Math.min(20 * examples, data.train().size()), 3L),
                new TrainingSpec(1, 64, 1e-3), MaskSet.NONE, 1L, TrainingProgressListener.NONE);
        System.out.printf(Locale.ROOT, "BACKEND %s lenet5_examples_per_s %.1f lenet300_examples_per_s %.1f%n",
                NativeBackend.variant(), report.examplesPerSecond(), mlpReport.examplesPerSecond());
    }
}
