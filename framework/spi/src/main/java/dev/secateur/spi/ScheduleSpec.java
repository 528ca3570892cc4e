package dev.secateur.spi;

import java.util.Objects;

/**
 * What a user asked of a schedule: {@code schedule 'iterative', target: 0.9, steps: 4}.
 *
 * @param target         the final sparsity, a fraction of the weights in scope, in [0, 1)
 * @param steps          how many pruning steps, at least 1
 * @param finetuneEpochs fine-tuning epochs after each step, at least 0
 * @param options        schedule-specific options, such as {@code ramp: 'geometric'}
 */
public record ScheduleSpec(double target, int steps, int finetuneEpochs, Options options) {

    public ScheduleSpec {
        requireSparsity("target", target);
        if (steps < 1) {
            throw new IllegalArgumentException("schedule steps = " + steps + " must be at least 1");
        }
        if (finetuneEpochs < 0) {
            throw new IllegalArgumentException("finetune epochs = " + finetuneEpochs + " must be 0 or more");
        }
        Objects.requireNonNull(options, "options");
    }

    /** The same spec with another final target, used to plan per-layer targets with one schedule. */
    public ScheduleSpec withTarget(double newTarget) {
        return new ScheduleSpec(newTarget, steps, finetuneEpochs, options);
    }

    /** Refuses a sparsity outside [0, 1): 1 would remove every weight, which leaves no network. */
    public static double requireSparsity(String name, double value) {
        if (!(value >= 0.0 && value < 1.0)) {
            throw new IllegalArgumentException(name + " sparsity " + value
                    + " is outside [0, 1); give the fraction of weights to remove, for example 0.9 for 90%");
        }
        return value;
    }
}
