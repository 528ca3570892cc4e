package dev.secateur.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * A/B timing on a shared, noisy machine: A and B alternate in ABBA order, so drift hits both alike, and
 * the result is the median of the per-round ratios B/A.
 */
final class Paired {

    private Paired() {
    }

    record Result(String a, String b, double[] secondsA, double[] secondsB) {
        double medianRatio() {
            double[] ratios = new double[secondsA.length];
            for (int i = 0; i < ratios.length; i++) {
                ratios[i] = secondsB[i] / secondsA[i];
            }
            return median(ratios);
        }

        String report() {
            return String.format(Locale.ROOT, "%s: median %.3f s %s | %s: median %.3f s %s | ratio %s/%s median %.4f (%+.2f%%)",
                    a, median(secondsA), Arrays.toString(round(secondsA)), b, median(secondsB), Arrays.toString(round(secondsB)),
                    b, a, medianRatio(), 100 * (medianRatio() - 1));
        }
    }

    /** Times {@code a} and {@code b} for {@code rounds} rounds; each supplier prepares and returns the work to time. */
    static Result run(String a, Supplier<Runnable> prepareA, String b, Supplier<Runnable> prepareB, int rounds) {
        List<Double> timesA = new ArrayList<>();
        List<Double> timesB = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            boolean aFirst = round % 2 == 0;
            double first = time(aFirst ? prepareA : prepareB);
            double second = time(aFirst ? prepareB : prepareA);
            timesA.add(aFirst ? first : second);
            timesB.add(aFirst ? second : first);
            System.out.printf(Locale.ROOT, "  round %d: %s %.3f s, %s %.3f s%n", round + 1, a, timesA.get(round), b, timesB.get(round));
        }
        return new Result(a, b, timesA.stream().mapToDouble(Double::doubleValue).toArray(),
                timesB.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static double time(Supplier<Runnable> prepare) {
        Runnable work = prepare.get();
        long start = System.nanoTime();
        work.run();
        return (System.nanoTime() - start) / 1e9;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static double[] round(double[] values) {
        return Arrays.stream(values).map(v -> Math.round(v * 1000) / 1000.0).toArray();
    }
}
