package dev.secateur.dsl;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.ScheduleChoice;
import dev.secateur.spi.Options;
import dev.secateur.spi.ScheduleSpec;
import groovy.lang.GroovyObjectSupport;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code schedule 'iterative', target: 0.9, steps: 4, ramp: 'geometric'}, or as a block:
 * {@code schedule('iterative') { target 0.9; steps 4; ramp 'geometric' }}. Target and steps belong to every
 * schedule; any other name is an option of the schedule plugin. Java:
 * {@code s -> s.target(0.9).steps(4).option("ramp", "geometric")}.
 */
public final class ScheduleBuilder extends GroovyObjectSupport {

    private final String id;
    private double target = Double.NaN;
    private int steps = 1;
    private final Map<String, Object> options = new LinkedHashMap<>();

    ScheduleBuilder(String id) {
        this.id = id;
    }

    /** The schedule of an earlier experiment, for one derived from it. */
    static ScheduleBuilder from(ScheduleChoice choice, boolean hasTarget) {
        var builder = new ScheduleBuilder(choice.id());
        builder.target = hasTarget ? choice.target() : Double.NaN;
        builder.steps = choice.steps();
        builder.options.putAll(choice.options().values());
        return builder;
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

    /**
     * In a block, any other name is an option of the plugin: {@code ramp 'geometric'}. (A closure passes a
     * missing method on to its delegate only when the delegate is a GroovyObject, hence the superclass.)
     */
    public Object methodMissing(String name, Object args) {
        Object[] values = args instanceof Object[] array ? array : new Object[]{args};
        if (values.length != 1) {
            throw new BadInputException("schedule '" + id + "' option " + name + " takes one value, such as " + name + " 'value'");
        }
        return option(name, values[0]);
    }

    boolean hasTarget() {
        return !Double.isNaN(target);
    }

    String id() {
        return id;
    }

    ScheduleBuilder apply(Map<String, ?> named) {
        NamedArgs.apply("schedule '" + id + "'", named, ScheduleChoice.NAMES, (name, value) -> {
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
            throw new BadInputException("schedule '" + id
                    + "' needs a target, the final sparsity, for example schedule '" + id + "', target: 0.9");
        }
        double t = Double.isNaN(target) ? 0.0 : target;
        return NamedArgs.checked("schedule '" + id + "'", () -> new ScheduleChoice(id, t, steps, Options.of(options)));
    }
}
