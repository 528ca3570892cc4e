package dev.secateur.dsl;

import dev.secateur.errors.BadInputException;
import dev.secateur.errors.ClosestMatch;
import dev.secateur.spec.EvaluateSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code evaluate every: 'step', latencyBatch: 1}, or as a block: {@code evaluate { every 'final'; latencyBatch 8 }}.
 * {@code every: 'final'} measures accuracy and latency only for the dense model and the last step.
 * Java: {@code e -> e.everyStep(false)}.
 */
public final class EvaluateBuilder {

    private boolean everyStep = EvaluateSpec.DEFAULT.everyStep();
    private int latencyBatch = EvaluateSpec.DEFAULT.latencyBatch();
    private int latencyWarmup = EvaluateSpec.DEFAULT.latencyWarmup();
    private int latencyRepeats = EvaluateSpec.DEFAULT.latencyRepeats();
    private int largeBatch = EvaluateSpec.DEFAULT.largeBatch();

    public EvaluateBuilder everyStep(boolean everyStep) {
        this.everyStep = everyStep;
        return this;
    }

    /** {@code 'step'} or {@code 'final'}. */
    public EvaluateBuilder every(String every) {
        if (!every.equals("step") && !every.equals("final")) {
            throw new BadInputException("evaluate every: '" + every + "' must be 'step' or 'final'"
                    + ClosestMatch.suggestion(every, List.of("step", "final")));
        }
        return everyStep(every.equals("step"));
    }

    public EvaluateBuilder latencyBatch(int batch) {
        this.latencyBatch = batch;
        return this;
    }

    public EvaluateBuilder latencyWarmup(int warmup) {
        this.latencyWarmup = warmup;
        return this;
    }

    public EvaluateBuilder latencyRepeats(int repeats) {
        this.latencyRepeats = repeats;
        return this;
    }

    /** The batch of the second latency measurement (default 256), 0 for none. */
    public EvaluateBuilder largeBatch(int batch) {
        this.largeBatch = batch;
        return this;
    }

    EvaluateBuilder apply(Map<String, ?> named) {
        NamedArgs.apply("evaluate", named, Set.of("every", "latencyBatch", "latencyWarmup", "latencyRepeats", "largeBatch"), (name, value) -> {
            switch (name) {
                case "every" -> every(String.valueOf(value));
                case "latencyBatch" -> latencyBatch(NamedArgs.integer("evaluate", name, value));
                case "latencyWarmup" -> latencyWarmup(NamedArgs.integer("evaluate", name, value));
                case "largeBatch" -> largeBatch(NamedArgs.integer("evaluate", name, value));
                default -> latencyRepeats(NamedArgs.integer("evaluate", name, value));
            }
        }, null);
        return this;
    }

    /** Starts from earlier settings, so a declaration overrides only what it names. */
    EvaluateBuilder from(EvaluateSpec spec) {
        everyStep = spec.everyStep();
        latencyBatch = spec.latencyBatch();
        latencyWarmup = spec.latencyWarmup();
        latencyRepeats = spec.latencyRepeats();
        largeBatch = spec.largeBatch();
        return this;
    }

    EvaluateSpec build() {
        return NamedArgs.checked("evaluate", () -> new EvaluateSpec(everyStep, latencyBatch, latencyWarmup, latencyRepeats, largeBatch));
    }
}
