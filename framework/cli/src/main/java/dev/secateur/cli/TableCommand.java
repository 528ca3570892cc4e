package dev.secateur.cli;

import dev.secateur.errors.BadInputException;
import dev.secateur.record.RunTable;
import dev.secateur.record.TableStamps;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code secateur table RUN_OR_GLOB... [--markdown]}: a results table made from run directories, stamped; or a check of stamps. */
@Command(name = "table", mixinStandardHelpOptions = true,
        description = {"Make a results table from run directories: one row per experiment, its seeds grouped (the seed taken "
                + "out of the name), each column's mean and spread over the seeds, and, with --markdown, a stamp underneath naming the "
                + "runs' commit, dates and machine and this command. The latest run of each experiment and seed counts.",
                "With --check, instead check that every table of figures on the given pages carries a stamp, and that one "
                        + "typed by hand sits under a heading naming its stamp's commit."})
final class TableCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RUN_OR_GLOB", description = "run directories, directories of runs (runs), or quoted globs such as 'runs/han-*'; "
            + "with --check, Markdown pages or directories of them (docs/results)")
    List<String> paths = new ArrayList<>();

    @Option(names = "--markdown", description = "write Markdown with the stamp, for a results page (default: aligned text)")
    boolean markdown;

    @Option(names = "--columns", split = ",", paramLabel = "COLUMN",
            description = "the columns, comma-separated, from: target_sparsity, sparsity, accuracy, control_accuracy, accuracy_vs_control, "
                    + "dense (step 0's accuracy), vs_dense, vs_stronger (against the stronger of the dense model and the control), loss, params, "
                    + "nonzero_params, flops, effective_flops, compression, flops_cut, latency_ms, large_batch_latency_ms, latency_cut, "
                    + "large_batch_latency_cut, latency_cut_per_flops_cut (the last three against step 0 of the same run), "
                    + "finetune_examples_per_s (default: sparsity, accuracy, the control columns where there is a control, dense, vs_dense, "
                    + "nonzero_params, compression)")
    List<String> columns = new ArrayList<>();

    @Option(names = "--file", paramLabel = "NAME.csv",
            description = "instead of results.csv, another CSV file each run wrote, such as rank-correlation.csv or sensitivity-ratios.csv: "
                    + "a row per experiment and value of the --by columns; --columns then names that file's columns (default: all but --by)")
    String file;

    @Option(names = "--by", split = ",", paramLabel = "COLUMN",
            description = "with --file, the columns that say which row a line belongs to, such as criterion,layer")
    List<String> by = new ArrayList<>();

    @Option(names = "--where", paramLabel = "COLUMN=VALUE[,VALUE...]",
            description = "with --file, only the lines whose COLUMN holds one of the values, such as --where measure=latency_ms,onnxruntime_ms; "
                    + "repeat it for several columns")
    List<String> where = new ArrayList<>();

    @Option(names = "--step", paramLabel = "final|all|N", defaultValue = "final",
            description = "which row of each run: its last (final, the default), every step (all), or step N (0 is the dense model)")
    String step;

    @Option(names = "--spread", paramLabel = "sd|range", defaultValue = "sd",
            description = "after each mean over seeds: the sample standard deviation (sd, the default) or the lowest and highest seed (range)")
    String spread;

    @Option(names = "--each", description = "one row per run directory, named by its id and the machine settings it ran under "
            + "(OMP_NUM_THREADS, ONEDNN_MAX_CPU_ISA, OPENBLAS_CORETYPE): nothing grouped over seeds or left out")
    boolean each;

    @Option(names = "--include-unfinished", description = "also runs that failed, were cancelled or interrupted, or still run, "
            + "with the last row each has (default: completed runs only; the stamp says how many were left out)")
    boolean unfinished;

    @Option(names = "--check", description = "check the stamps of every table with figures on the given pages; exits 2 when one has none, "
            + "a stamp lacks a commit or a date, or a table typed by hand sits under a heading that does not name its commit")
    boolean check;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        if (check) {
            if (paths.isEmpty()) {
                throw new BadInputException("--check needs Markdown pages or directories of them, such as docs/results");
            }
            var tables = TableStamps.check(paths.stream().map(Path::of).toList());
            var unstamped = tables.stream().filter(t -> !t.stamped()).toList();
            unstamped.forEach(t -> out.println(t.describe()));
            tables.stream().filter(TableStamps.Table::dirty).forEach(t -> out.println(t.describe()));
            long generated = tables.stream().filter(t -> t.stamped() && t.kind() == TableStamps.Kind.GENERATED).count();
            long byHand = tables.stream().filter(t -> t.stamped() && t.kind() == TableStamps.Kind.BY_HAND).count();
            out.printf(Locale.ROOT, "%d tables with figures: %d generated by bin/secateur table, %d typed by hand before it (stamped with "
                    + "their commit, under a heading naming it), %d without a valid stamp or heading%n", tables.size(), generated, byHand,
                    unstamped.size());
            out.flush();
            return unstamped.isEmpty() ? Main.OK : Main.BAD_INPUT;
        }
        RunTable.Spread chosenSpread = switch (spread.toLowerCase(Locale.ROOT)) {
            case "sd" -> RunTable.Spread.SD;
            case "range" -> RunTable.Spread.RANGE;
            default -> throw new BadInputException("--spread '" + spread + "': give sd (the sample standard deviation) or range (lowest and highest)");
        };
        RunTable table;
        if (file != null) {
            if (!(RunTable.Step.parse(step) instanceof RunTable.Final)) {
                throw new BadInputException("--step chooses a row of results.csv; with --file " + file + ", choose rows with --by");
            }
            var filters = new LinkedHashMap<String, Set<String>>();
            for (String w : where) {
                int eq = w.indexOf('=');
                if (eq < 1 || eq == w.length() - 1) {
                    throw new BadInputException("--where '" + w + "': give COLUMN=VALUE, or several values as COLUMN=A,B, such as "
                            + "--where measure=latency_ms");
                }
                filters.computeIfAbsent(w.substring(0, eq), k -> new LinkedHashSet<>()).addAll(List.of(w.substring(eq + 1).split(",")));
            }
            table = RunTable.ofFile(paths, file, by, filters, columns, chosenSpread, each, unfinished);
        } else {
            if (!by.isEmpty() || !where.isEmpty()) {
                throw new BadInputException("--by and --where choose the lines of another file: give it with --file, such as --file rank-correlation.csv "
                        + "--by criterion,layer");
            }
            table = RunTable.of(paths, columns, RunTable.Step.parse(step), chosenSpread, each, unfinished);
        }
        String command = commandLine();
        out.print(markdown ? table.markdown(command) : table.text(command));
        out.flush();
        return Main.OK;
    }

    /** This command as typed, for the stamp, with globs and spaces quoted so it can be run again. */
    private String commandLine() {
        var typed = spec.commandLine().getParseResult().originalArgs();
        // the whole command line: what came before the subcommand's name (global options) is not this table's
        int name = typed.indexOf(spec.name());
        return typed.subList(name + 1, typed.size()).stream().map(arg -> arg.chars().anyMatch(c -> " *?[{'\"$|`;&()!<>".indexOf(c) >= 0) ? "'" + arg.replace("'", "'\\''") + "'" : arg)
                .collect(Collectors.joining(" "));
    }
}
