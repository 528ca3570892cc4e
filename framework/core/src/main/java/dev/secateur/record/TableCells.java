package dev.secateur.record;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;

/** How a results table writes a cell: a mean in the column's unit, then the spread over seeds. */
final class TableCells {

    /** How a column's values are shown. */
    enum Kind { PERCENT, POINTS, COUNT, DECIMAL, TIMES }

    private TableCells() {
    }

    /**
     * The mean of a cell's values, then their spread, or nothing where there are none; {@code (n=k)} after it when
     * fewer of the row's runs gave a value.
     */
    static String cell(Kind kind, int decimals, List<Double> values, RunTable.Spread spread, int runsInRow) {
        // a mean over fewer runs than the row counts says over how many
        return values.isEmpty() ? "" : cell(kind, decimals, values, spread) + (values.size() < runsInRow ? " (n=" + values.size() + ")" : "");
    }

    private static String cell(Kind kind, int decimals, List<Double> values, RunTable.Spread spread) {
        if (values.isEmpty()) {
            return "";
        }
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        String text = value(kind, decimals, mean);
        if (values.size() < 2) {
            return text;
        }
        double lowest = values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double highest = values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        if (highest - lowest == 0) {
            return text;
        }
        if (spread == RunTable.Spread.RANGE) {
            return text + " (" + value(kind, decimals, lowest) + " to " + value(kind, decimals, highest) + ")";
        }
        String sd = magnitude(kind, decimals, sampleSd(values, mean));
        // a spread that rounds to nothing at the column's precision says nothing
        return sd.matches("[0.,]+") ? text : text + " ± " + sd;
    }

    static double sampleSd(List<Double> values, double mean) {
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        return Math.sqrt(squares / (values.size() - 1));
    }

    /** A value as its column shows it. */
    static String value(Kind kind, int decimals, double v) {
        String text = switch (kind) {
            case PERCENT -> String.format(Locale.ROOT, "%.2f%%", 100 * v);
            case POINTS -> String.format(Locale.ROOT, "%+.2f", 100 * v).replace("-", "−");
            case COUNT -> String.format(Locale.ROOT, "%,d", Math.round(v)).replace("-", "−");
            case DECIMAL -> String.format(Locale.ROOT, "%." + decimals + "f", v).replace("-", "−");
            case TIMES -> String.format(Locale.ROOT, "%.1f×", v);
        };
        // a mean that cancels to a tiny negative number rounds to zero, which has no sign
        return text.matches("[−-][0.,]+%?") ? text.substring(1) : text;
    }

    /** A spread, in the column's unit without its sign or percent sign: points for percentages. */
    private static String magnitude(Kind kind, int decimals, double sd) {
        return switch (kind) {
            case PERCENT, POINTS -> String.format(Locale.ROOT, "%.2f", 100 * sd);
            case COUNT -> String.format(Locale.ROOT, "%,d", Math.round(sd));
            case DECIMAL -> String.format(Locale.ROOT, "%." + decimals + "f", sd);
            case TIMES -> String.format(Locale.ROOT, "%.1f", sd);
        };
    }

    /** The decimals a file wrote a number with: as written, or those an exponent form needs; at most 8. */
    static int decimals(String text) {
        try {
            var number = new BigDecimal(text.trim());
            int scale = text.contains("e") || text.contains("E") ? number.stripTrailingZeros().scale() : number.scale();
            return Math.max(0, Math.min(8, scale));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
