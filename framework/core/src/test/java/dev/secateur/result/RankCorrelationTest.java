package dev.secateur.result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.spi.ParamRef;
import org.junit.jupiter.api.Test;

/**
 * Spearman's ρ and Kendall's τ-b against values worked out by hand. With ranks r and s, ρ is Pearson's
 * correlation of r and s (ties take the mean of their ranks); τ-b = (n_c − n_d) / √((n₀ − n₁)(n₀ − n₂)) with
 * n₀ = n(n−1)/2 pairs, n_c concordant, n_d discordant, n₁ pairs tied in the first ranking and n₂ in the second.
 */
class RankCorrelationTest {

    private static final double EXACT = 1e-12;

    @Test
    void withoutTiesRhoIsOneMinusSixSumOfSquaredRankDifferences() {
        // ranks equal the values. d = (−1, 1, −1, 1, 0), Σd² = 4, ρ = 1 − 6·4 / (5·(25 − 1)) = 0.8.
        // Of the 10 pairs, (1,2) and (3,4) are discordant: τ = (8 − 2) / 10 = 0.6.
        double[] reference = {1, 2, 3, 4, 5};
        double[] scores = {2, 1, 4, 3, 5};
        assertThat(RankCorrelation.spearman(reference, scores)).isCloseTo(0.8, within(EXACT));
        assertThat(RankCorrelation.kendall(reference, scores)).isCloseTo(0.6, within(EXACT));
    }

    @Test
    void tiedValuesShareTheirMeanRank() {
        // reference ranks (1, 2.5, 2.5, 4), scores ranks (1, 3, 2, 4), both with mean 2.5.
        // deviations (−1.5, 0, 0, 1.5) and (−1.5, 0.5, −0.5, 1.5): Σxy = 4.5, Σx² = 4.5, Σy² = 5,
        // ρ = 4.5 / √(4.5·5) = √0.9. (Ranking the tie 2, 3 in order would give 0.8; minimum ranks 0.923.)
        // τ-b: 6 pairs, 5 concordant, none discordant, one tied in the reference: 5 / √((6 − 1)·6) = 5/√30.
        double[] reference = {1, 2, 2, 3};
        double[] scores = {1, 3, 2, 4};
        assertThat(RankCorrelation.spearman(reference, scores)).isCloseTo(Math.sqrt(0.9), within(EXACT));
        assertThat(RankCorrelation.kendall(reference, scores)).isCloseTo(5 / Math.sqrt(30), within(EXACT));
    }

    @Test
    void tiesOnBothSides() {
        // ranks (1, 2.5, 2.5, 4.5, 4.5) and (1.5, 1.5, 3, 4, 5), means 3: deviations (−2, −.5, −.5, 1.5, 1.5) and
        // (−1.5, −1.5, 0, 1, 2): Σxy = 8.25, Σx² = 9, Σy² = 9.5, ρ = 8.25 / √85.5.
        // τ-b: of 10 pairs, 7 concordant, 0 discordant, (2,3) and (4,5) tied in the reference, (1,2) in the
        // scores: 7 / √((10 − 2)(10 − 1)) = 7/√72.
        double[] reference = {1, 2, 2, 3, 3};
        double[] scores = {1, 1, 2, 3, 4};
        assertThat(RankCorrelation.spearman(reference, scores)).isCloseTo(8.25 / Math.sqrt(85.5), within(EXACT));
        assertThat(RankCorrelation.kendall(reference, scores)).isCloseTo(7 / Math.sqrt(72), within(EXACT));
    }

    @Test
    void aPointEitherSideLeftUnmeasuredIsLeftOut() {
        // without the NaN pair these are the rankings of the first test: 0.8 and 0.6
        double[] reference = {1, 2, Double.NaN, 3, 4, 5};
        double[] scores = {2, 1, 9, 4, 3, 5};
        assertThat(RankCorrelation.spearman(reference, scores)).isCloseTo(0.8, within(EXACT));
        assertThat(RankCorrelation.kendall(reference, scores)).isCloseTo(0.6, within(EXACT));
        assertThat(RankCorrelation.spearman(scores, reference)).isCloseTo(0.8, within(EXACT));

        var row = RankCorrelation.of("taylor", ParamRef.parse("1_W"), new double[]{1, 2, Double.NaN, 3, 4, 5, 6},
                new double[]{2, 1, 9, 4, 3, 5, Double.NaN});
        assertThat(row.points()).isEqualTo(5);
        assertThat(row.spearman()).isCloseTo(0.8, within(EXACT));
        assertThat(row.kendall()).isCloseTo(0.6, within(EXACT));
    }

    @Test
    void aReversedRankingIsMinusOneWhateverTheScale() {
        double[] reference = {0.1, 0.5, 2, 40};
        double[] scores = {1e6, 3, 2, -7};
        assertThat(RankCorrelation.spearman(reference, scores)).isCloseTo(-1, within(EXACT));
        assertThat(RankCorrelation.kendall(reference, scores)).isCloseTo(-1, within(EXACT));
    }

    @Test
    void nothingToRankIsNaN() {
        assertThat(RankCorrelation.spearman(new double[]{1, 2, 3}, new double[]{4, 4, 4})).isNaN();
        assertThat(RankCorrelation.kendall(new double[]{5, 5}, new double[]{1, 2})).isNaN();
        assertThat(RankCorrelation.spearman(new double[]{1, Double.NaN}, new double[]{1, 2})).isNaN();
        assertThat(RankCorrelation.kendall(new double[]{}, new double[]{})).isNaN();
    }

    @Test
    void rankingsOfDifferentLengthsAreRefused() {
        assertThatThrownBy(() -> RankCorrelation.spearman(new double[]{1, 2, 3}, new double[]{1, 2}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 and 2 points");
    }
}
