package dev.secateur.sensitivity;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Accuracy against the fraction of units removed, one curve per unit group, each measured with only that
 * group pruned (Li et al. 2016, figure 2).
 *
 * @param dense         the accuracy of the unpruned network on the same validation sample
 * @param ratios        the fractions removed, ascending
 * @param accuracies    per group id (such as {@code 0_W}), the accuracy at each ratio
 * @param latencyRatios per group id, the forward time at batch 256 with only that group removed, relative
 *                      to the unpruned network's; empty when the analysis was not timed
 */
public record SensitivityCurves(double dense, List<Double> ratios, Map<String, double[]> accuracies,
                                Map<String, double[]> latencyRatios) {

    public SensitivityCurves(double dense, List<Double> ratios, Map<String, double[]> accuracies) {
        this(dense, ratios, accuracies, Map.of());
    }

    public SensitivityCurves {
        latencyRatios = Map.copyOf(latencyRatios);
        ratios = List.copyOf(ratios);
        var copy = new LinkedHashMap<String, double[]>();
        for (var entry : accuracies.entrySet()) {
            if (entry.getValue().length != ratios.size()) {
                throw new IllegalArgumentException(entry.getKey() + " has " + entry.getValue().length + " accuracies for "
                        + ratios.size() + " ratios");
            }
            copy.put(entry.getKey(), entry.getValue().clone());
        }
        accuracies = Collections.unmodifiableMap(copy);
    }

    public boolean timed() {
        return !latencyRatios.isEmpty();
    }

    /**
     * The fraction of the forward time saved when each group is removed at its ratio, adding up the savings
     * measured with one group removed at a time (0 for ratios not measured, such as 0).
     */
    public double latencyCut(Map<String, Double> assignment) {
        double cut = 0;
        for (var entry : assignment.entrySet()) {
            int i = ratios.indexOf(entry.getValue());
            if (i >= 0 && latencyRatios.containsKey(entry.getKey())) {
                cut += 1 - latencyRatios.get(entry.getKey())[i];
            }
        }
        return cut;
    }

    /** The accuracy lost at ratio index {@code i}, against the dense network, never below 0. */
    public double drop(String group, int i) {
        return Math.max(0, dense - accuracies.get(group)[i]);
    }
}
