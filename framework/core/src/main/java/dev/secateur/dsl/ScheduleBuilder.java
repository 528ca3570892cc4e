package dev.secateur.dsl;

import dev.secateur.spec.ScheduleChoice;
import dev.secateur.spi.ScheduleSpec;
import dev.secateur.spi.Options;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code schedule 'iterative', target: 0.9, steps: 4, ramp: 'geometric'}: target and steps, and any other
 * name is an option of the schedule plugin. Java: {@code s -> s.target(0.9).steps(4).option("ramp", "geometric")}.
 */
public final class ScheduleBuilder {

    private final String id;
    private double target = Double.NaN;
    private int steps = 1;
    private final Map<String, Object> options = new LinkedHashMap<>();

    ScheduleBuilder(String id) {
        this.id = id;
    }

    public ScheduleBuilder target(double target) {
        // checked here, so a script error points at the line that gave the value
        NamedArgs.checked("schedule '" + id + "'", () -> ScheduleSpec.requireSparsity("target", target));
        this.target = target;
        return this;
    }

    public ScheduleBuilder steps(int steps) {
        this.steps = steps;
        return this;
    }

    public ScheduleBuilder option(String name, Object value) {
        options.put(name, value);
        return this;
    }

    ScheduleBuilder apply(Map<String, ?> named) {
        NamedArgs.apply("schedule '" + id + "'", named, java.util.Set.of("target", "steps"), (name, value) -> {
            if (name.equals("target")) {
                target(NamedArgs.number("schedule", name, value));
            } else {
                steps(NamedArgs.integer("schedule", name, value));
            }
        }, options);
        return this;
    }

    /** Under a per-layer scope the layers carry their own targets, so the schedule's may be left out. */
    ScheduleChoice build(boolean targetRequired) {
        if (Double.isNaN(target) && targetRequired) {
            throw new dev.secateur.errors.BadInputException("schedule '" + id
                    + "' needs a target, the final sparsity, for example schedule '" + id + "', target: 0.9");
        }
        double t = Double.isNaN(target) ? 0.0 : target;
        return NamedArgs.checked("schedule '" + id + "'", () -> new ScheduleChoice(id, t, steps, Options.of(options)));
    }
}
