package dev.secateur.bench;

import dev.secateur.finetune.FineTuner;
import dev.secateur.finetune.TrainingProgressListener;
import dev.secateur.model.Architecture;
import dev.secateur.model.NativeBackend;
import dev.secateur.prune.MaskSet;
import dev.secateur.spec.TrainingSpec;
import java.util.Locale;

/**
 * LeNet-5 training throughput with whichever ND4J native build is on the classpath. scripts/bench/run.sh
 * runs it once per classifier, round-robin, and compares.
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
        System.out.printf(Locale.ROOT, "BACKEND %s lenet5_examples_per_s %.1f%n", NativeBackend.variant(), report.examplesPerSecond());
    }
}
