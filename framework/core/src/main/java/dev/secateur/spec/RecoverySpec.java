package dev.secateur.spec;

import java.util.ArrayList;
import java.util.Locale;

/**
 * How a pruned network recovers after each pruning step, beyond fine-tuning the weights it kept.
 *
 * @param rewind       what returns to an earlier state before retraining, or null to fine-tune from where
 *                     pruning left the weights
 * @param distillation the dense model as teacher while retraining, or null for the plain loss
 */
public record RecoverySpec(Rewind rewind, Distillation distillation) {

    /** Plain fine-tuning. */
    public static final RecoverySpec NONE = new RecoverySpec(null, null);

    public boolean isNone() {
        return rewind == null && distillation == null;
    }

    /** A one-line account, for the console and spec.json. */
    public String describe() {
        if (isNone()) {
            return "fine-tuning";
        }
        var parts = new ArrayList<String>();
        if (rewind != null) {
            parts.add(rewind.describe());
        }
        if (distillation != null) {
            parts.add(distillation.describe());
        }
        return String.join(", ", parts);
    }

    /** What returns to an earlier state after each pruning step. */
    public sealed interface Rewind permits Rewind.Weights, Rewind.LearningRate {

        String describe();

        /**
         * Lottery-ticket rewinding (Frankle &amp; Carbin 2019; Frankle et al. 2020): the weights that survive
         * return to their values at iteration {@code iteration} of the dense training (0 is initialisation),
         * together with the optimiser's state there, and retrain with the dense training's learning rate.
         */
        record Weights(int iteration) implements Rewind {
            public Weights {
                if (iteration < 0) {
                    throw new IllegalArgumentException("rewind iteration = " + iteration
                            + " must be 0 (the initial weights) or a later iteration of the dense training");
                }
            }

            @Override
            public String describe() {
                return "weights rewound to iteration " + iteration + " of the dense training";
            }
        }

        /**
         * Learning-rate rewinding (Renda et al. 2020): the weights stay as pruning left them, and retraining
         * replays the dense training's learning rate from its start instead of the fine-tuning rate.
         */
        record LearningRate() implements Rewind {
            @Override
            public String describe() {
                return "learning rate rewound to the dense training's";
            }
        }
    }

    /**
     * Knowledge distillation from the dense model (Hinton et al. 2015): the retraining loss is
     * {@code (1 - weight) * CE(labels, p) + weight * T^2 * KL(q_T || p_T)}, where {@code q_T} and {@code p_T}
     * are the teacher's and the student's softmax at temperature {@code T}.
     */
    public record Distillation(double temperature, double weight) {

        public static final double DEFAULT_TEMPERATURE = 4.0;
        public static final double DEFAULT_WEIGHT = 0.5;

        public Distillation {
            if (!(temperature > 0 && Double.isFinite(temperature))) {
                throw new IllegalArgumentException("distill temperature = " + temperature + " must be a positive number, such as 4");
            }
            if (!(weight >= 0 && weight <= 1)) {
                throw new IllegalArgumentException("distill weight = " + weight
                        + " must be between 0 (the labels only) and 1 (the teacher only), such as 0.5");
            }
        }

        public String describe() {
            return String.format(Locale.ROOT, "distilled from the dense model (temperature %s, weight %s)",
                    trim(temperature), trim(weight));
        }

        private static String trim(double v) {
            return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
        }
    }
}
