package dev.secateur.dsl;

import dev.secateur.result.RankCorrelation;

import dev.secateur.result.ResultsTable;
import dev.secateur.result.StepResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code run(spec)} returns to a script: the run directory and one result per step, step 0 being
 * the dense model. {@code result.last.accuracy}, {@code result.dense.accuracy}, {@code result.accuracyDrop}.
 */
public record RunResult(String experiment, String runId, Path runDir, List<StepResult> steps,
                        List<RankCorrelation> comparison) {

    public RunResult {
        steps = List.copyOf(steps);
        comparison = List.copyOf(comparison);
    }

    public RunResult(String experiment, String runId, Path runDir, List<StepResult> steps) {
        this(experiment, runId, runDir, steps, List.of());
    }

    /** A compare block's correlations as a table: criterion, layer, points, Spearman, Kendall. */
    public String getCorrelationTable() {
        var rows = new ArrayList<List<String>>();
        rows.add(List.of("criterion", "layer", "points", "spearman", "kendall"));
        for (var r : comparison) {
            rows.add(List.of(r.criterion(), r.layer().toString(), Integer.toString(r.points()),
                    ResultsTable.num(r.spearman(), 3), ResultsTable.num(r.kendall(), 3)));
        }
        return ResultsTable.render(rows);
    }

    /** Step 0: the dense model before any pruning. */
    public StepResult getDense() {
        requireSteps();
        return steps.get(0);
    }

    /** The last step. */
    public StepResult getLast() {
        requireSteps();
        return steps.get(steps.size() - 1);
    }

    /** Whether this result comes from {@code bin/secateur plan}, which runs nothing and so has no steps. */
    public boolean isPlanned() {
        return steps.isEmpty() && "plan".equals(runId);
    }

    /** The message a result without steps (a plan's) gives when read. */
    public static final String NO_RESULTS = "has no results: bin/secateur plan explains experiments without running them";

    private void requireSteps() {
        if (steps.isEmpty()) {
            throw new IllegalStateException("experiment '" + experiment + "' " + NO_RESULTS);
        }
    }

    public double getAccuracy() {
        return getLast().accuracy();
    }

    public double getSparsity() {
        return getLast().sparsity();
    }

    /** Accuracy points lost against the dense model of the same run (positive means worse). */
    public double getAccuracyDrop() {
        return getDense().accuracy() - getLast().accuracy();
    }

    /**
     * The dense model's parameters over the nonzero parameters left, Han et al.'s compression rate. After
     * physical removal the network itself is smaller, so the dense model, not the last network, is the base.
     */
    public double getCompression() {
        return (double) getDense().params() / getLast().nonzeroParams();
    }

    /** Whether the run trained a dense control on the same examples ({@code control true}). */
    public boolean getHasControl() {
        return !steps.isEmpty() && Double.isFinite(getLast().controlAccuracy());
    }

    /** The last step's control accuracy: the dense model trained on exactly the pruned model's examples; NaN without one. */
    public double getControlAccuracy() {
        return getLast().controlAccuracy();
    }

    /** Final accuracy minus the control's, a fraction (-0.0049 is 0.49 points below); NaN without a control. */
    public double getAccuracyVsControl() {
        return getLast().accuracyVsControl();
    }

    /** A language model's last perplexity minus its control's (above 0 is worse); NaN without a control or for a classifier. */
    public double getPerplexityVsControl() {
        return getLast().perplexityVsControl();
    }

    /**
     * One row per run: final sparsity and accuracy, then the control's accuracy and the change against it when
     * any run has a control, then the dense model's and the change against it, nonzero parameters and compression.
     */
    public static String table(List<RunResult> results) {
        boolean control = results.stream().anyMatch(RunResult::getHasControl);
        var rows = new ArrayList<List<String>>();
        var header = new ArrayList<>(List.of("experiment", "sparsity", "accuracy"));
        if (control) {
            header.addAll(List.of("control accuracy", "vs control (points)"));
        }
        header.addAll(List.of("dense accuracy", "change (points)", "nonzero params", "compression"));
        rows.add(header);
        for (var r : results) {
            var row = new ArrayList<>(List.of(r.experiment(), ResultsTable.pct(r.getSparsity()), ResultsTable.pct(r.getAccuracy())));
            if (control) {
                row.addAll(List.of(ResultsTable.pct(r.getControlAccuracy()), ResultsTable.signed(100 * r.getAccuracyVsControl(), 2)));
            }
            row.addAll(List.of(ResultsTable.pct(r.getDense().accuracy()), ResultsTable.signed(-100 * r.getAccuracyDrop(), 2),
                    Long.toString(r.getLast().nonzeroParams()), ResultsTable.num(r.getCompression(), 1) + "x"));
            rows.add(row);
        }
        return ResultsTable.render(rows);
    }

    @Override
    public String toString() {
        return experiment + " (" + runDir + "): sparsity " + ResultsTable.pct(getSparsity()) + ", accuracy "
                + ResultsTable.pct(getAccuracy()) + (getHasControl() ? " (control " + ResultsTable.pct(getControlAccuracy()) + ", "
                + ResultsTable.signed(100 * getAccuracyVsControl(), 2) + " points)" : "")
                + " (dense " + ResultsTable.pct(getDense().accuracy()) + ")";
    }
}
