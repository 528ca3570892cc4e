package dev.secateur.dsl;

import dev.secateur.errors.BadInputException;
import dev.secateur.errors.ClosestMatch;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/** Applies Groovy named arguments ({@code finetune epochs: 1, lr: 1e-3}) to a builder, refusing unknown names. */
final class NamedArgs {

    private NamedArgs() {
    }

    /**
     * Calls {@code setter} for each known name; names not in {@code known} go to {@code rest} if it is not
     * null (plugin options), and are refused otherwise.
     */
    static void apply(String what, Map<String, ?> args, Set<String> known, BiConsumer<String, Object> setter,
                      Map<String, Object> rest) {
        for (var entry : new LinkedHashMap<String, Object>(args).entrySet()) {
            String name = entry.getKey();
            if (known.contains(name)) {
                setter.accept(name, entry.getValue());
            } else if (rest != null) {
                rest.put(name, entry.getValue());
            } else {
                throw new BadInputException(ClosestMatch.unknownOption(what, name, known));
            }
        }
    }

    /** A whole number that fits an int, checked before narrowing: 4294967296 must not become 0. */
    static int integer(String what, String name, Object value) {
        if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw new BadInputException(what + " " + name + ": " + value + " is not a whole number");
        }
        var exact = new BigDecimal(n.toString());
        if (exact.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0
                || exact.compareTo(BigDecimal.valueOf(Integer.MIN_VALUE)) < 0) {
            throw new BadInputException(what + " " + name + ": " + value + " is out of range; the most it can be is "
                    + Integer.MAX_VALUE);
        }
        return exact.intValueExact();
    }

    static double number(String what, String name, Object value) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        throw new BadInputException(what + " " + name + ": " + value + " is not a number");
    }

    /** A list of numbers, such as one per channel; a single number is a list of one. */
    static List<Double> numbers(String what, String name, Object value) {
        var values = value instanceof List<?> list ? list : List.of(value);
        var numbers = new ArrayList<Double>();
        for (Object v : values) {
            if (!(v instanceof Number n)) {
                throw new BadInputException(what + " " + name + ": " + value + " is not a number or a list of numbers, "
                        + "one per channel, such as " + name + ": [0.5]");
            }
            numbers.add(n.doubleValue());
        }
        return numbers;
    }

    static boolean bool(String what, String name, Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        throw new BadInputException(what + " " + name + ": " + value + " is not true or false");
    }

    /** Runs a spec constructor, turning its IllegalArgumentException into a user-facing error. */
    static <T> T checked(String what, Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            throw new BadInputException(what + ": " + e.getMessage());
        }
    }
}
