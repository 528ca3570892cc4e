package dev.secateur.sensitivity;

import dev.secateur.data.Calibration;
import dev.secateur.data.DataSplits;
import dev.secateur.data.Dataset;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.evaluate.TimedSection;
import dev.secateur.finetune.FineTuner;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.PrunableParam;
import dev.secateur.prune.Pruner;
import dev.secateur.score.ScoreSet;
import dev.secateur.shrink.Shrinker;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One point of a sensitivity curve: the accuracy of the network with only one unit group pruned at one
 * ratio, chosen by the experiment's scores. The group is masked in place and restored before the point
 * returns, so points are independent and can be measured in any order, but two points must not run at
 * once on the same network object (the evaluator serves them one at a time; a cluster worker has its own copy).
 * A point may first retrain briefly ({@link Recovery}): its accuracy is then that of a copy of the masked
 * network, retrained with the masks held, and the network itself is still only masked and restored.
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

    /**
     * The short retraining each point gets before it is measured (NetAdapt's short-term fine-tuning, AMC's
     * fine-tuned reward), so that a curve reads what retraining does not win back rather than the drop right
     * after the cut.
     *
     * @param examples how many training examples, outside the validation sample, each point retrains on once; 0: none
     * @param training the experiment's fine-tuning settings (batch, rate, L2, decay; its epochs are not read), null
     *                 exactly when {@code examples} is 0
     */
    public record Recovery(int examples, TrainingSpec training) {

        public static final Recovery NONE = new Recovery(0, null);

        public Recovery {
            if (examples < 0 || (examples == 0) != (training == null)) {
                throw new IllegalArgumentException("a recovery retrains on at least one example with training settings, "
                        + "or on none without; got " + examples + " examples and " + training);
            }
        }

        public boolean none() {
            return examples == 0;
        }

        /** What a point retrains on: examples drawn from {@code data} beside the validation sample; null for none. */
        public Retraining on(DataSplits data, int samples, long seed) {
            if (none()) {
                return null;
            }
            return new Retraining(Calibration.recovery(data, samples, examples, seed),
                    new TrainingSpec(1, training.batchSize(), training.learningRate(), training.l2(), training.decay()), seed);
        }
    }

    /** One pass over {@code examples} with {@code training}, its minibatches shuffled by {@code seed}. */
    public record Retraining(Dataset examples, TrainingSpec training, long seed) {
    }

    public Point probe(Network net, PrunableParam group, ScoreSet scores, Granularity.Structured granularity,
                       double ratio, Dataset validation, Provenance provenance, boolean timed) {
        return probe(net, group, scores, granularity, ratio, validation, null, provenance, timed);
    }

    /** One point, after {@code retraining} (null: measured right after pruning). */
    public Point probe(Network net, PrunableParam group, ScoreSet scores, Granularity.Structured granularity,
                       double ratio, Dataset validation, Retraining retraining, Provenance provenance, boolean timed) {
        return measure(net, masks(group, scores, granularity, ratio, provenance), validation, retraining, timed, ratio);
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
        return measure(net, masks, validation, null, timed, ratio);
    }

    /**
     * The point the masks give after {@code retraining} (null: none), which trains a copy of the masked network
     * through the fine-tuner, masks held, and measures the copy; the latency is timed on the masked network itself.
     */
    public static Point measure(Network net, Map<ParamRef, INDArray> masks, Dataset validation, Retraining retraining,
                                boolean timed, double ratio) {
        // masked in place and restored, rather than copying the whole network (updater state included) per point
        var backup = new HashMap<ParamRef, INDArray>();
        masks.keySet().forEach(ref -> backup.put(ref, net.layer(ref.layer()).getParam(ref.key()).dup()));
        try {
            MaskSet.of(masks).applyTo(net);
            double accuracy = retraining == null ? Evaluator.quality(net, validation).accuracy()
                    : retrained(net, MaskSet.of(masks), validation, retraining);
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

    /** The accuracy of a copy of the masked network after one pass of retraining with the masks held. */
    private static double retrained(Network masked, MaskSet masks, Dataset validation, Retraining retraining) {
        var copy = masked.copy();
        new FineTuner().train(copy, retraining.examples(), retraining.training(), masks, retraining.seed(), progress -> { });
        return Evaluator.quality(copy, validation).accuracy();
    }
}
