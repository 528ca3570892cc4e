package dev.secateur.sensitivity;

import dev.secateur.model.Network;
import dev.secateur.data.Dataset;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.evaluate.TimedSection;
import dev.secateur.model.PrunableParam;
import dev.secateur.model.MaskSet;
import dev.secateur.prune.Pruner;
import dev.secateur.score.ScoreSet;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import dev.secateur.shrink.Shrinker;
import dev.secateur.spi.ParamRef;
import java.util.Arrays;
import java.util.HashMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import java.util.Map;
import java.util.Set;

/**
 * One point of a sensitivity curve: the accuracy of the network with only one unit group pruned at one
 * ratio, chosen by the experiment's scores. The group is masked in place and restored before the point
 * returns, so points are independent and can be measured in any order, but two points must not run at
 * once on the same network object (the evaluator serves them one at a time; a cluster worker has its own copy).
 */
public final class SensitivityProbe {

    private final Pruner pruner;

    public SensitivityProbe(Pruner pruner) {
        this.pruner = pruner;
    }

    /**
     * One point: the accuracy, and when {@code timed}, the forward time at batch 256 of the network with
     * only this group removed physically, as a fraction of the unpruned network's, the two timed
     * alternately (3 rounds, median) so that a slow moment of a shared machine affects both.
     */
    public record Point(double accuracy, double latencyRatio) {
    }

    public Point probe(Network net, PrunableParam group, ScoreSet scores, Granularity.Structured granularity,
                       double ratio, Dataset validation, Provenance provenance, boolean timed) {
        return measure(net, masks(group, scores, granularity, ratio, provenance), validation, timed, ratio);
    }

    /** The masks of one point: only {@code group} pruned at {@code ratio}, chosen by the scores. */
    public Map<ParamRef, INDArray> masks(PrunableParam group, ScoreSet scores, Granularity.Structured granularity, double ratio,
                                         Provenance provenance) {
        var targets = Map.of(group.weights(), ratio);
        return pruner.plan(List.of(group), scores, MaskSet.NONE, granularity, new Scope.PerLayer(targets, Set.of()),
                new Pruner.StepTarget(1, ratio, targets), provenance).masks();
    }

    /**
     * The point the masks give: where a cluster worker measures what the coordinator's scores chose, on its
     * own copy of the network. {@code timed} false leaves the latency ratio NaN; ratio 0 prunes nothing, so its
     * latency ratio is 1 without timing.
     */
    public static Point measure(Network net, Map<ParamRef, INDArray> masks, Dataset validation, boolean timed, double ratio) {
        // masked in place and restored, rather than copying the whole network (updater state included) per point
        var backup = new HashMap<ParamRef, INDArray>();
        masks.keySet().forEach(ref -> backup.put(ref, net.layer(ref.layer()).getParam(ref.key()).dup()));
        try {
            MaskSet.of(masks).applyTo(net);
            double accuracy = Evaluator.quality(net, validation).accuracy();
            if (!timed || ratio == 0) {
                return new Point(accuracy, timed ? 1.0 : Double.NaN);
            }
            // the masked network costs what the unpruned one costs: same shapes, dense kernels
            var shrunk = new Shrinker().shrink(net).net();
            var x = Nd4j.rand(DataType.FLOAT, 256, net.inputSize());
            double latencyRatio = TimedSection.run(() -> {
                double[] ratios = new double[3];
                for (int round = 0; round < ratios.length; round++) {
                    double dense = Evaluator.latencyMs(net, x, 1, 2);
                    ratios[round] = Evaluator.latencyMs(shrunk, x, 1, 2) / dense;
                }
                Arrays.sort(ratios);
                return ratios[1];
            });
            return new Point(accuracy, latencyRatio);
        } finally {
            backup.forEach((ref, values) -> net.layer(ref.layer()).getParam(ref.key()).assign(values));
            Evaluator.releaseNativeMemory();
        }
    }
}
