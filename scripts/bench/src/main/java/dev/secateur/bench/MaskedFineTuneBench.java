package dev.secateur.bench;

import dev.secateur.finetune.FineTuner;
import dev.secateur.finetune.TrainingProgressListener;
import dev.secateur.model.Architecture;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.NativeBackend;
import dev.secateur.prune.MaskSet;
import dev.secateur.prune.Pruner;
import dev.secateur.score.ScoreSet;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

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
        var params = NetworkLayout.prunable(net);
        var scores = new HashMap<ParamRef, INDArray>();
        params.forEach(p -> scores.put(p.weights(), Transforms.abs(net.getParam(p.weights().toString()), true)));
        var plan = new Pruner().plan(params, ScoreSet.of(scores, "magnitude", "bench"), MaskSet.NONE, Granularity.unstructured(),
                new Scope.Global(Set.of()), new Pruner.StepTarget(1, 0.9, Map.of()),
                new Provenance("magnitude", "bench", Options.NONE, "one-shot", "bench", 1L));
        var masks = MaskSet.of(plan.masks());
        masks.applyTo(net);
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
