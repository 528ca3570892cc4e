package dev.secateur.result;

import dev.secateur.spi.ParamRef;
import java.util.stream.IntStream;
import org.apache.commons.math3.stat.correlation.KendallsCorrelation;
import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.apache.commons.math3.stat.ranking.NaNStrategy;
import org.apache.commons.math3.stat.ranking.NaturalRanking;
import org.apache.commons.math3.stat.ranking.TiesStrategy;

/**
 * How well one criterion's ranking of one layer agrees with a reference ranking (Molchanov et al. 2016
 * against their oracle).
 *
 * @param points   the number of units or weights ranked (measured by both)
 * @param spearman Spearman's ρ, NaN when either ranking is constant
 * @param kendall  Kendall's τ-b, NaN when either ranking is constant
 */
public record RankCorrelation(String criterion, ParamRef layer, int points, double spearman, double kendall) {

    /** Tied values share the mean of their ranks, the usual convention (and the one τ-b and SciPy use). */
    private static final NaturalRanking RANKING = new NaturalRanking(NaNStrategy.FAILED, TiesStrategy.AVERAGE);

    /** The correlations of {@code criterion}'s scores with the reference's, over the points both measured. */
    public static RankCorrelation of(String criterion, ParamRef layer, double[] reference, double[] scores) {
        int measured = (int) IntStream.range(0, reference.length)
                .filter(i -> !Double.isNaN(reference[i]) && !Double.isNaN(scores[i])).count();
        return new RankCorrelation(criterion, layer, measured, spearman(reference, scores), kendall(reference, scores));
    }

    /**
     * Spearman's ρ: Pearson's correlation of the two rankings, ties taking their mean rank. Pairs where either
     * side is NaN (unmeasured) are left out; NaN when fewer than two pairs remain or either side is constant.
     */
    public static double spearman(double[] a, double[] b) {
        double[][] pairs = measuredPairs(a, b);
        if (pairs == null) {
            return Double.NaN;
        }
        return new PearsonsCorrelation().correlation(RANKING.rank(pairs[0]), RANKING.rank(pairs[1]));
    }

    /** Kendall's τ-b, which corrects for ties on either side; NaN pairs and degenerate cases as in {@link #spearman}. */
    public static double kendall(double[] a, double[] b) {
        double[][] pairs = measuredPairs(a, b);
        if (pairs == null) {
            return Double.NaN;
        }
        return new KendallsCorrelation().correlation(pairs[0], pairs[1]);
    }

    /** The pairs where both sides were measured, or null when they cannot rank anything. */
    private static double[][] measuredPairs(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("cannot correlate rankings of " + a.length + " and " + b.length + " points");
        }
        int[] kept = IntStream.range(0, a.length).filter(i -> !Double.isNaN(a[i]) && !Double.isNaN(b[i])).toArray();
        double[] x = IntStream.of(kept).mapToDouble(i -> a[i]).toArray();
        double[] y = IntStream.of(kept).mapToDouble(i -> b[i]).toArray();
        if (kept.length < 2 || constant(x) || constant(y)) {
            return null;
        }
        return new double[][]{x, y};
    }

    private static boolean constant(double[] x) {
        for (double v : x) {
            if (v != x[0]) {
                return false;
            }
        }
        return true;
    }
}
