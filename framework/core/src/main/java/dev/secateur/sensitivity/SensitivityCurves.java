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

    /**
     * The curves from independent probe results, group by group and ratio by ratio in the order they were
     * asked for: {@code points[g * ratios + r]} is group {@code g} at ratio {@code r}.
     *
     * @param latencies whether the probes were timed
     */
    public static SensitivityCurves of(double dense, List<Double> ratios, List<String> groups, List<SensitivityProbe.Point> points,
                                       boolean latencies) {
        if (points.size() != groups.size() * ratios.size()) {
            throw new IllegalArgumentException(points.size() + " points for " + groups.size() + " groups at " + ratios.size() + " ratios");
        }
        var accuracies = new LinkedHashMap<String, double[]>();
        var times = new LinkedHashMap<String, double[]>();
        int k = 0;
        for (var group : groups) {
            double[] values = new double[ratios.size()];
            double[] latency = new double[ratios.size()];
            for (int i = 0; i < values.length; i++, k++) {
                values[i] = points.get(k).accuracy();
                latency[i] = points.get(k).latencyRatio();
            }
            accuracies.put(group, values);
            if (latencies) {
                times.put(group, latency);
            }
        }
        return new SensitivityCurves(dense, ratios, accuracies, times);
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
