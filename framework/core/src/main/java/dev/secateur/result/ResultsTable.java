package dev.secateur.result;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Plain-text tables for terminals: one row per step, or one row per run. */
public final class ResultsTable {

    private ResultsTable() {
    }

    /** The steps of one run, as the command line prints them at the end. */
    public static String steps(List<StepResult> results) {
        var rows = new ArrayList<List<String>>();
        int large = results.stream().mapToInt(StepResult::largeBatch).max().orElse(0);
        boolean control = results.stream().anyMatch(r -> Double.isFinite(r.controlAccuracy()));
        boolean perplexity = results.stream().anyMatch(r -> Double.isFinite(r.perplexity()));
        var header = new ArrayList<>(List.of("step", "target", "sparsity", "accuracy", "loss", "nonzero params", "eff. MFLOPs",
                "latency ms", large > 0 ? "b" + large + " ms" : "large ms", "train ex/s"));
        if (control) {
            header.addAll(List.of("control", "vs control"));
        }
        boolean controlPerplexity = results.stream().anyMatch(r -> Double.isFinite(r.controlPerplexity()));
        if (perplexity) {
            header.add("perplexity");
        }
        if (controlPerplexity) {
            header.add("control ppl");
        }
        rows.add(header);
        for (var r : results) {
            var row = new ArrayList<>(List.of(Integer.toString(r.step()), pct(r.targetSparsity()), pct(r.sparsity()), pct(r.accuracy()),
                    num(r.loss(), 4), r.nonzeroParams() + " / " + r.params(), num(r.effectiveFlops() / 1e6, 3),
                    num(r.latencyMs(), 3), num(r.largeBatchLatencyMs(), 2), num(r.finetuneExamplesPerS(), 0)));
            if (control) {
                row.addAll(List.of(pct(r.controlAccuracy()), signed(100 * r.accuracyVsControl(), 2)));
            }
            if (perplexity) {
                row.add(num(r.perplexity(), 3));
            }
            if (controlPerplexity) {
                row.add(num(r.controlPerplexity(), 3));
            }
            rows.add(row);
        }
        return render(rows);
    }

    /** Any rows, first row the header, columns right-aligned (numbers). */
    public static String render(List<List<String>> rows) {
        return render(rows, false);
    }

    /** Any rows, first row the header, columns aligned left (text) or right (numbers). */
    public static String render(List<List<String>> rows, boolean left) {
        int columns = rows.get(0).size();
        int[] width = new int[columns];
        for (var row : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        var out = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            var row = rows.get(r);
            for (int c = 0; c < columns; c++) {
                out.append(c == 0 ? "" : "  ").append(String.format("%" + (left ? "-" : "") + width[c] + "s", row.get(c)));
            }
            trimLine(out);
            if (r == 0) {
                for (int c = 0; c < columns; c++) {
                    out.append(c == 0 ? "" : "  ").append("-".repeat(width[c]));
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static void trimLine(StringBuilder out) {
        int end = out.length();
        while (end > 0 && out.charAt(end - 1) == ' ') {
            end--;
        }
        out.setLength(end);
        out.append('\n');
    }

    public static String pct(double fraction) {
        return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%.2f%%", 100 * fraction) : "-";
    }

    /** A number with its sign, {@code +0.12} or {@code -0.49}; "-" when not measured. */
    public static String signed(double v, int decimals) {
        if (!Double.isFinite(v)) {
            return "-";
        }
        String text = String.format(Locale.ROOT, "%+." + decimals + "f", v);
        // a difference that rounds to nothing, such as -1e-9 from float arithmetic, has no sign to show
        return text.matches("-0\\.?0*") ? "+" + text.substring(1) : text;
    }

    public static String num(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "-";
    }
}
