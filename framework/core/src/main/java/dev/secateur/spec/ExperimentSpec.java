package dev.secateur.spec;

import dev.secateur.spi.Granularity;
import dev.secateur.spi.Scope;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One experiment, fully declared: what to load, how to score, prune, fine-tune and evaluate. Scripts
 * and Java code build it with {@code dev.secateur.dsl.ExperimentBuilder}; running it is separate.
 *
 * @param declaredAt where each part was declared (keys such as {@code saliency}), for error messages
 * @param compare    a criteria comparison to run instead of pruning steps, or null
 */
public record ExperimentSpec(String name, long seed, ModelSpec model, DataSpec data, SaliencySpec saliency,
                             Granularity granularity, Scope scope, ScheduleChoice schedule,
                             TrainingSpec finetune, EvaluateSpec evaluate,
                             Map<String, SourceLocation> declaredAt, CompareSpec compare) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public ExperimentSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("experiment name '" + name
                    + "' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit; it names the run directory");
        }
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(saliency, "saliency");
        Objects.requireNonNull(granularity, "granularity");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(finetune, "finetune");
        Objects.requireNonNull(evaluate, "evaluate");
        declaredAt = Map.copyOf(declaredAt);
    }

    /** " (at script.groovy:7)" for the declaration of {@code part}, or "" if it was not declared in a script. */
    public String at(String part) {
        return Optional.ofNullable(declaredAt.get(part)).map(l -> " (at " + l + ")").orElse("");
    }
}
