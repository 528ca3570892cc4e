package dev.secateur.sensitivity;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Accuracy against the fraction of units removed, one curve per unit group, each measured with only that
 * group pruned (Li et al. 2016, figure 2).
 *
 * @param dense      the accuracy of the unpruned network on the same validation sample
 * @param ratios     the fractions removed, ascending
 * @param accuracies per group id (such as {@code 0_W}), the accuracy at each ratio
 */
public record SensitivityCurves(double dense, List<Double> ratios, Map<String, double[]> accuracies) {

    public SensitivityCurves {
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

    /** The accuracy lost at ratio index {@code i}, against the dense network, never below 0. */
    public double drop(String group, int i) {
        return Math.max(0, dense - accuracies.get(group)[i]);
    }
}
