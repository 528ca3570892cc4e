package dev.secateur.bench;

import dev.secateur.finetune.FineTuner;
import dev.secateur.finetune.TrainingProgressListener;
import dev.secateur.model.Architecture;
import dev.secateur.model.NativeBackend;
import dev.secateur.model.MaskSet;
import dev.secateur.spec.TrainingSpec;

/**
 * Fine-tuning with masks enforced after every update against the same fine-tuning without masks, on
 * LeNet-300-100 at 90% sparsity: the cheapest model, so the masks' relative cost is at its largest.
 */
public final class MaskedFineTuneBench {

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        var data = BenchData.full();
        System.out.println("backend: " + NativeBackend.variant());
        var net = Architecture.LENET_300_100.build(1L, 1e-3);
        var tuner = new FineTuner();
        tuner.train(net, data.train(), new TrainingSpec(1, 64, 1e-3), MaskSet.NONE, 1L, TrainingProgressListener.NONE);
        var masks = Pruned.byMagnitude(net, 0.9);
        var epoch = new TrainingSpec(1, 64, 1e-3);
        System.out.println("LeNet-300-100 at 90% sparsity, one epoch of " + data.train().size() + " examples, batch 64");
        var result = Paired.run(
                "unmasked", () -> {
                    var copy = net.clone();
                    return () -> tuner.train(copy, data.train(), epoch, MaskSet.NONE, 7L, TrainingProgressListener.NONE);
                },
                "masked", () -> {
                    var copy = net.clone();
                    return () -> tuner.train(copy, data.train(), epoch, masks, 7L, TrainingProgressListener.NONE);
                },
                rounds);
        System.out.println(result.report());
    }
}
