package dev.secateur.record;

import dev.secateur.record.TableCells.Kind;
import dev.secateur.record.TableRuns.Run;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleBiFunction;

/** The columns of a results table: results.csv's measured ones, and those derived from a run's rows. */
final class TableColumns {

    /** A column: a results.csv column or one derived from a run's rows. */
    record Column(String name, String header, Kind kind, int decimals, ToDoubleBiFunction<Run, Map<String, String>> value) {
    }

    /** The columns a user may ask for, in the order {@code --columns} lists them in its help. */
    static final Map<String, Column> COLUMNS = columns();

    /** Shown when no {@code --columns} is given; the control columns only where a run had a control. */
    public static final List<String> DEFAULT_COLUMNS = List.of("sparsity", "accuracy", "control_accuracy", "accuracy_vs_control",
            "dense", "vs_dense", "vs_stronger", "nonzero_params", "compression");

    private TableColumns() {
    }

    /** Every column name {@code --columns} takes. */
    static String names() {
        return String.join(", ", COLUMNS.keySet());
    }

    private static double number(Map<String, String> row, String column) {
        return RunIndex.number(row.get(column));
    }

    private static Map<String, Column> columns() {
        var c = new LinkedHashMap<String, Column>();
        for (String name : List.of("target_sparsity", "sparsity", "accuracy", "control_accuracy")) {
            c.put(name, new Column(name, name.replace('_', ' '), Kind.PERCENT, 2, (run, row) -> number(row, name)));
        }
        c.put("accuracy_vs_control", new Column("accuracy_vs_control", "vs control (points)", Kind.POINTS, 2,
                (run, row) -> number(row, "accuracy_vs_control")));
        c.put("dense", new Column("dense", "dense", Kind.PERCENT, 2, (run, row) -> run.dense()));
        c.put("vs_dense", new Column("vs_dense", "vs dense (points)", Kind.POINTS, 2,
                (run, row) -> number(row, "accuracy") - run.dense()));
        // judged against the stronger of the two: a control that ended below the dense model would flatter the pruned one
        c.put("vs_stronger", new Column("vs_stronger", "vs stronger of dense and control (points)", Kind.POINTS, 2,
                (run, row) -> number(row, "accuracy") - Math.max(run.dense(), number(row, "control_accuracy"))));
        c.put("loss", new Column("loss", "loss", Kind.DECIMAL, 4, (run, row) -> number(row, "loss")));
        // a language model's: exp of the mean next-token cross-entropy, and its rise over the run's dense model
        c.put("perplexity", new Column("perplexity", "perplexity", Kind.DECIMAL, 3, (run, row) -> number(row, "perplexity")));
        c.put("dense_perplexity", new Column("dense_perplexity", "dense perplexity", Kind.DECIMAL, 3,
                (run, row) -> number(run.rows().get(0), "perplexity")));
        c.put("perplexity_rise", new Column("perplexity_rise", "perplexity rise over dense", Kind.DECIMAL, 3,
                (run, row) -> number(row, "perplexity") - number(run.rows().get(0), "perplexity")));
        // against the dense control retrained on the same tokens: above 0 is worse than the control
        c.put("control_perplexity", new Column("control_perplexity", "control perplexity", Kind.DECIMAL, 3,
                (run, row) -> number(row, "control_perplexity")));
        c.put("perplexity_vs_control", new Column("perplexity_vs_control", "perplexity vs control", Kind.DECIMAL, 3,
                (run, row) -> number(row, "perplexity") - number(row, "control_perplexity")));
        for (String name : List.of("params", "nonzero_params", "flops", "effective_flops")) {
            c.put(name, new Column(name, name.replace('_', ' '), Kind.COUNT, 0, (run, row) -> number(row, name)));
        }
        // Han et al.'s rate: the dense model's parameters over the nonzero ones left
        c.put("compression", new Column("compression", "compression", Kind.TIMES, 1,
                (run, row) -> number(run.rows().get(0), "params") / number(row, "nonzero_params")));
        c.put("flops_cut", new Column("flops_cut", "FLOPs cut", Kind.PERCENT, 2,
                (run, row) -> 1 - number(row, "effective_flops") / number(run.rows().get(0), "flops")));
        c.put("latency_ms", new Column("latency_ms", "latency ms", Kind.DECIMAL, 3, (run, row) -> number(row, "latency_ms")));
        c.put("large_batch_latency_ms", new Column("large_batch_latency_ms", "large batch ms", Kind.DECIMAL, 2,
                (run, row) -> number(row, "large_batch_latency_ms")));
        // against the same run's dense model (step 0), timed by the evaluator in the run, not side by side
        c.put("latency_cut", new Column("latency_cut", "latency cut b1", Kind.PERCENT, 2,
                (run, row) -> 1 - number(row, "latency_ms") / number(run.rows().get(0), "latency_ms")));
        c.put("large_batch_latency_cut", new Column("large_batch_latency_cut", "latency cut large batch", Kind.PERCENT, 2,
                (run, row) -> 1 - number(row, "large_batch_latency_ms") / number(run.rows().get(0), "large_batch_latency_ms")));
        // how much of the FLOPs cut the clock sees: 1 when time follows FLOPs
        c.put("latency_cut_per_flops_cut", new Column("latency_cut_per_flops_cut", "latency cut / FLOPs cut", Kind.DECIMAL, 2,
                (run, row) -> (1 - number(row, "large_batch_latency_ms") / number(run.rows().get(0), "large_batch_latency_ms"))
                        / (1 - number(row, "effective_flops") / number(run.rows().get(0), "flops"))));
        c.put("finetune_examples_per_s", new Column("finetune_examples_per_s", "train examples/s", Kind.DECIMAL, 0,
                (run, row) -> number(row, "finetune_examples_per_s")));
        return Collections.unmodifiableMap(c);
    }
}
