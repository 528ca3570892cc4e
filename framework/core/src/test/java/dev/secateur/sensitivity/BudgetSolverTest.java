package dev.secateur.sensitivity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The budget solver on synthetic curves whose best answer is known. */
class BudgetSolverTest {

    private static final List<Double> RATIOS = List.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9);

    /** Each group saves its share of the measure times its ratio, as FLOPs do for layers that do not feed each other. */
    private static ToDoubleFunction<Map<String, Double>> additive(Map<String, Double> shares) {
        return ratios -> ratios.entrySet().stream().mapToDouble(e -> shares.get(e.getKey()) * e.getValue()).sum();
    }

    private static double[] curve(double dense, double... drops) {
        double[] accuracies = new double[drops.length];
        for (int i = 0; i < drops.length; i++) {
            accuracies[i] = dense - drops[i];
        }
        return accuracies;
    }

    @Test
    void anInsensitiveLayerTakesTheWholeBudgetAndNoMoreThanItNeeds() {
        var accuracies = new LinkedHashMap<String, double[]>();
        accuracies.put("0_W", curve(0.9, 0.05, 0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70, 0.80));    // steep
        accuracies.put("2_W", curve(0.9, 0, 0, 0, 0, 0, 0, 0.001, 0.002, 0.003));                    // flat
        accuracies.put("4_W", curve(0.9, 0.02, 0.04, 0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.18));     // moderate
        var curves = new SensitivityCurves(0.9, RATIOS, accuracies);
        var shares = Map.of("0_W", 0.2, "2_W", 0.6, "4_W", 0.2);
        // 30% of the measure: 2_W alone at 0.5 saves 0.6 * 0.5 = 0.30 at no loss
        var ratios = BudgetSolver.solve(curves, 0.30, additive(shares));
        assertThat(ratios).containsExactly(Map.entry("0_W", 0.0), Map.entry("2_W", 0.5), Map.entry("4_W", 0.0));
    }

    @Test
    void whenTheFreeLayerRunsOutTheCheapestDropPaysForTheRest() {
        var accuracies = new LinkedHashMap<String, double[]>();
        accuracies.put("0_W", curve(0.9, 0.05, 0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70, 0.80));
        accuracies.put("2_W", curve(0.9, 0, 0, 0, 0, 0.2, 0.3, 0.4, 0.5, 0.6));                      // free up to 0.4
        accuracies.put("4_W", curve(0.9, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09));
        var curves = new SensitivityCurves(0.9, RATIOS, accuracies);
        var shares = Map.of("0_W", 0.2, "2_W", 0.5, "4_W", 0.3);
        // 2_W at 0.4 saves 0.20 for free; the remaining 0.09 is cheapest from 4_W (0.01 per 0.03 saved, against
        // 0.05 per 0.02 from 0_W or 0.2 per 0.05 from 2_W): 4_W at 0.3 saves exactly 0.09, for a total drop of 0.03
        var ratios = BudgetSolver.solve(curves, 0.29, additive(shares));
        assertThat(ratios.get("2_W")).isEqualTo(0.4);
        assertThat(ratios.get("4_W")).isEqualTo(0.3);
        assertThat(ratios.get("0_W")).isEqualTo(0.0);
        // brute force over every assignment agrees that no cheaper one meets the budget
        assertThat(totalDrop(curves, ratios)).isEqualTo(bruteForceBest(curves, 0.29, additive(shares)), Offset.offset(1e-12));
    }

    @Test
    void aNoisyDipDoesNotMakeAHigherRatioLookCheaper() {
        var accuracies = new LinkedHashMap<String, double[]>();
        // accuracy recovers at 0.5 by noise; the monotone envelope keeps the 0.4 drop for every higher ratio
        accuracies.put("0_W", curve(0.9, 0.00, 0.00, 0.10, 0.10, 0.00, 0.10, 0.10, 0.10, 0.10));
        accuracies.put("2_W", curve(0.9, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09));
        var curves = new SensitivityCurves(0.9, RATIOS, accuracies);
        var ratios = BudgetSolver.solve(curves, 0.25, additive(Map.of("0_W", 0.5, "2_W", 0.5)));
        // 0_W is free to 0.2 (saves 0.10); 2_W to 0.3 saves the remaining 0.15 for 0.03, cheaper than 0_W's jump (0.10)
        assertThat(ratios).containsExactly(Map.entry("0_W", 0.2), Map.entry("2_W", 0.3));
    }

    @Test
    void aLatencyBudgetAddsUpTheTimeSavedByEachGroupAlone() {
        var accuracies = new LinkedHashMap<String, double[]>();
        accuracies.put("0_W", curve(0.9, 0.01, 0.02));
        accuracies.put("2_W", curve(0.9, 0.01, 0.02));
        var latency = new LinkedHashMap<String, double[]>();
        latency.put("0_W", new double[]{0.80, 0.60});   // removing 0_W's filters makes the next layer cheaper
        latency.put("2_W", new double[]{0.98, 0.95});   // removing 2_W's saves almost nothing
        var curves = new SensitivityCurves(0.9, List.of(0.5, 0.9), accuracies, latency);
        assertThat(curves.latencyCut(Map.of("0_W", 0.5, "2_W", 0.9))).isCloseTo(0.25, Offset.offset(1e-12));
        // the same accuracy cost, so the time saved decides: 0_W alone at 0.5 saves the 20% asked for
        var ratios = BudgetSolver.solve(curves, 0.2, curves::latencyCut);
        assertThat(ratios).containsExactly(Map.entry("0_W", 0.5), Map.entry("2_W", 0.0));
    }

    @Test
    void aBudgetThatCannotBeMetIsRefusedWithWhatIsReachable() {
        var accuracies = new LinkedHashMap<String, double[]>();
        accuracies.put("0_W", curve(0.9, 0.1, 0.2));
        var curves = new SensitivityCurves(0.9, List.of(0.5, 0.9), accuracies);
        assertThatThrownBy(() -> BudgetSolver.solve(curves, 0.5, additive(Map.of("0_W", 0.3))))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("cut 50.0%")
                .hasMessageContaining("cuts only 27.0%");
    }

    private static double totalDrop(SensitivityCurves curves, Map<String, Double> ratios) {
        double drop = 0;
        for (var e : ratios.entrySet()) {
            int i = curves.ratios().indexOf(e.getValue());
            drop += i < 0 ? 0 : curves.drop(e.getKey(), i);
        }
        return drop;
    }

    private static double bruteForceBest(SensitivityCurves curves, double target, ToDoubleFunction<Map<String, Double>> cutOf) {
        var groups = List.copyOf(curves.accuracies().keySet());
        int levels = curves.ratios().size() + 1;
        double best = Double.POSITIVE_INFINITY;
        int combos = (int) Math.pow(levels, groups.size());
        for (int c = 0; c < combos; c++) {
            var assignment = new LinkedHashMap<String, Double>();
            int code = c;
            for (String g : groups) {
                int level = code % levels;
                code /= levels;
                assignment.put(g, level == 0 ? 0.0 : curves.ratios().get(level - 1));
            }
            if (cutOf.applyAsDouble(assignment) >= target - 1e-12) {
                best = Math.min(best, totalDrop(curves, assignment));
            }
        }
        return best;
    }
}
