package dev.secateur.sensitivity;

import dev.secateur.errors.BadInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Turns sensitivity curves into one pruning ratio per group under a budget, such as "cut 35% of the FLOPs".
 * It treats each group's accuracy drop as its cost and the budget measure as its gain, and raises ratios
 * greedily by the best ratio of drop to saving until the budget is met. A move may jump several ratios at
 * once, so a curve that is flat after a first dip is not passed over. A curve's drops are first made
 * monotone (the running maximum), because removing more units never helps in expectation and a noisy
 * dip should not attract the budget. The savings come from a function of the whole assignment, so
 * coupling between layers (a layer's removed filters are the next layer's removed inputs) is counted
 * exactly rather than added up per layer.
 */
public final class BudgetSolver {

    private BudgetSolver() {
    }

    /**
     * @param curves the measured curves; every group in them can be pruned
     * @param target the fraction of the measure to cut, in (0, 1)
     * @param cutOf  the fraction cut when each group is pruned at the given ratio (absent groups at 0)
     * @return a ratio per group of the curves, 0 where the group is left alone
     */
    public static Map<String, Double> solve(SensitivityCurves curves, double target, ToDoubleFunction<Map<String, Double>> cutOf) {
        var groups = List.copyOf(curves.accuracies().keySet());
        var ratios = curves.ratios();
        var drops = new LinkedHashMap<String, double[]>();
        for (String group : groups) {
            double[] monotone = new double[ratios.size() + 1];
            for (int i = 0; i < ratios.size(); i++) {
                monotone[i + 1] = Math.max(monotone[i], curves.drop(group, i));
            }
            drops.put(group, monotone);
        }
        // level 0 is "not pruned", level i + 1 is ratios.get(i)
        var level = new LinkedHashMap<String, Integer>();
        groups.forEach(g -> level.put(g, 0));
        double cut = cutOf.applyAsDouble(assignment(level, ratios));
        while (cut < target - 1e-12) {
            String bestGroup = null;
            int bestLevel = -1;
            double bestPrice = Double.POSITIVE_INFINITY;
            double bestCut = cut;
            for (String group : groups) {
                int from = level.get(group);
                for (int to = from + 1; to <= ratios.size(); to++) {
                    level.put(group, to);
                    double candidate = cutOf.applyAsDouble(assignment(level, ratios));
                    level.put(group, from);
                    double gain = candidate - cut;
                    if (gain <= 1e-15) {
                        continue;
                    }
                    double price = (drops.get(group)[to] - drops.get(group)[from]) / gain;
                    if (price < bestPrice - 1e-12 || Math.abs(price - bestPrice) <= 1e-12 && better(candidate, bestCut, target)) {
                        bestGroup = group;
                        bestLevel = to;
                        bestPrice = price;
                        bestCut = candidate;
                    }
                }
            }
            if (bestGroup == null) {
                throw new BadInputException(String.format(Locale.ROOT, "the budget asks to cut %.1f%%, but pruning every analysed "
                        + "layer at the highest ratio (%.2f) cuts only %.1f%%; lower the budget, add higher ratios, or analyse more layers",
                        target * 100, ratios.get(ratios.size() - 1), cut * 100));
            }
            level.put(bestGroup, bestLevel);
            cut = bestCut;
        }
        // a big jump may overshoot: step groups back while the budget still holds
        for (String group : groups) {
            while (level.get(group) > 0) {
                level.put(group, level.get(group) - 1);
                if (cutOf.applyAsDouble(assignment(level, ratios)) < target - 1e-12) {
                    level.put(group, level.get(group) + 1);
                    break;
                }
            }
        }
        return assignment(level, ratios);
    }

    /** At equal price: reaching the budget beats not reaching it; then the smaller overshoot, or else the bigger step. */
    private static boolean better(double candidate, double best, double target) {
        boolean reaches = candidate >= target - 1e-12;
        boolean bestReaches = best >= target - 1e-12;
        if (reaches != bestReaches) {
            return reaches;
        }
        return reaches ? candidate < best : candidate > best;
    }

    private static Map<String, Double> assignment(Map<String, Integer> level, List<Double> ratios) {
        var out = new LinkedHashMap<String, Double>();
        level.forEach((group, l) -> out.put(group, l == 0 ? 0.0 : ratios.get(l - 1)));
        return out;
    }
}
