package dev.secateur.spi;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The named options a user gave a plugin, for example {@code saliency 'magnitude', norm: 'l2'}.
 *
 * <p>Getters take a default and check the value, failing with an {@link IllegalArgumentException}
 * whose message names the option, the value and what is allowed.
 */
public record Options(Map<String, Object> values) {

    public static final Options NONE = new Options(Map.of());

    public Options {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public static Options of(Map<String, ?> values) {
        return new Options(values == null ? Map.of() : Map.copyOf(values));
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String string(String name, String fallback) {
        Object v = values.get(name);
        return v == null ? fallback : v.toString();
    }

    /** A string that must be one of {@code allowed}; compared case-insensitively, returned lower case. */
    public String choice(String name, String fallback, String... allowed) {
        String v = string(name, fallback).toLowerCase(Locale.ROOT);
        if (Arrays.stream(allowed).noneMatch(v::equals)) {
            if (!has(name)) { // the plugin's own default: its bug, not the user's
                throw new IllegalStateException("the default of option '" + name + "', '" + fallback + "', is not one of "
                        + String.join(", ", allowed));
            }
            throw new NotAChoice(name, String.valueOf(values.get(name)), List.of(allowed));
        }
        return v;
    }

    /**
     * What {@link #choice} throws: it keeps the value and the choices, so that Secateur can suggest the nearest
     * choice to a misspelt value.
     */
    public static final class NotAChoice extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String value;
        private final List<String> allowed;

        NotAChoice(String option, String value, List<String> allowed) {
            super("option '" + option + "' = '" + value + "' is not one of " + String.join(", ", allowed));
            this.value = value;
            this.allowed = allowed;
        }

        /** The value as given. */
        public String value() {
            return value;
        }

        public List<String> allowed() {
            return allowed;
        }
    }

    public double number(String name, double fallback) {
        Object v = values.get(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(v.toString());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option '" + name + "' = '" + v + "' is not a number");
        }
    }

    public int integer(String name, int fallback) {
        double v = number(name, fallback);
        if (v != Math.rint(v) || v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw new IllegalArgumentException("option '" + name + "' = " + values.get(name) + " is not a whole number");
        }
        return (int) v;
    }

    @Override
    public String toString() {
        return values.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
