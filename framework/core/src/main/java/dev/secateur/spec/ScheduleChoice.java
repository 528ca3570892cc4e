package dev.secateur.spec;

import dev.secateur.spi.Options;
import dev.secateur.spi.ScheduleSpec;
import java.util.Objects;
import java.util.Set;

/**
 * A schedule plugin id with its target, step count and options, as written in a script.
 *
 * @param target the final sparsity in [0, 1); ignored under a per-layer scope, where each layer has its own
 */
public record ScheduleChoice(String id, double target, int steps, Options options) {

    /** The names every schedule declaration takes besides its plugin's own options. */
    public static final Set<String> NAMES = Set.of("target", "steps");

    public ScheduleChoice {
        Objects.requireNonNull(id, "schedule id");
        Objects.requireNonNull(options, "options");
        ScheduleSpec.requireSparsity("schedule target", target);
        if (steps < 1) {
            throw new IllegalArgumentException("schedule steps = " + steps + " must be at least 1");
        }
    }

    /** The SPI form, once fine-tuning epochs are known. */
    public ScheduleSpec toSpec(int finetuneEpochs) {
        return new ScheduleSpec(target, steps, finetuneEpochs, options);
    }
}
