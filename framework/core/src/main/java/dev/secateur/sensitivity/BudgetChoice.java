package dev.secateur.sensitivity;

import dev.secateur.spi.Granularity;
import dev.secateur.model.Network;
import dev.secateur.shrink.ShrinkProjection;
import dev.secateur.spec.SensitivitySpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-layer ratios for a network under a budget, chosen from its sensitivity curves: the solver's answer,
 * each group's unit count, and a line per decision for the run's log. FLOPs and parameter budgets are
 * projected from the layer shapes of the network that physical removal would build; a latency budget adds
 * up the savings each probe measured.
 *
 * @param ratios per group id, the fraction of units to remove (0 where the group is left alone)
 * @param units  per group id, its unit count
 * @param lines  one line per group, then the projected cut against the budget
 */
public record BudgetChoice(Map<String, Double> ratios, Map<String, Long> units, List<String> lines) {

    /**
     * @param example     one input row, for the convolutions' output sizes
     * @param granularity how the pruner will round each layer's kept units ({@code round_to}): the budget is counted on
     *                    the rounded network, so a ratio that rounding undoes saves nothing and is not chosen for a saving
     */
    public static BudgetChoice choose(Network net, INDArray example, SensitivityCurves curves, SensitivitySpec.Budget budget,
                                      Granularity.Structured granularity) {
        var projection = ShrinkProjection.of(net, example);
        var dense = projection.dense();
        var units = new LinkedHashMap<String, Long>();
        var widths = new LinkedHashMap<String, Integer>();
        projection.groups().forEach(g -> {
            units.put(g.id(), g.units());
            widths.put(g.id(), g.producers().get(0).unitWidth());
        });
        Function<Map<String, Double>, ShrinkProjection.Totals> project = ratios -> {
            var kept = new LinkedHashMap<String, Long>();
            ratios.forEach((group, ratio) -> kept.put(group, ShrinkProjection.keptAt(units.get(group), ratio, granularity, widths.get(group))));
            return projection.project(kept);
        };
        var ratios = BudgetSolver.solve(curves, budget.cut(), r -> {
            var totals = project.apply(r);
            return switch (budget.measure()) {
                case FLOPS -> totals.flopsCut(dense);
                case PARAMS -> totals.paramsCut(dense);
                case LATENCY -> curves.latencyCut(r);
            };
        });
        var projected = project.apply(ratios);
        var lines = new ArrayList<String>();
        ratios.forEach((group, ratio) -> lines.add(String.format(Locale.ROOT, "%s: remove %.0f%% (%d of %d units)",
                group, ratio * 100, units.get(group) - ShrinkProjection.keptAt(units.get(group), ratio, granularity, widths.get(group)),
                units.get(group))));
        lines.add(String.format(Locale.ROOT, "projected: FLOPs -%.1f%%, params -%.1f%%%s (budget: %s)",
                projected.flopsCut(dense) * 100, projected.paramsCut(dense) * 100, curves.timed()
                        ? String.format(Locale.ROOT, ", latency at batch 256 -%.1f%% (the per-layer times added up)", curves.latencyCut(ratios) * 100)
                        : "", budget));
        var chosenUnits = new LinkedHashMap<String, Long>();
        ratios.keySet().forEach(group -> chosenUnits.put(group, units.get(group)));
        return new BudgetChoice(ratios, chosenUnits, lines);
    }

}
