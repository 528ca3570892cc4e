package dev.secateur.result;

import dev.secateur.spi.ParamRef;

/**
 * How well one criterion's ranking of one layer agrees with a reference ranking (Molchanov et al. 2016
 * against their oracle).
 *
 * @param points   the number of units or weights ranked
 * @param spearman Spearman's ρ, NaN when either ranking is constant
 * @param kendall  Kendall's τ-b, NaN when either ranking is constant
 */
public record RankCorrelation(String criterion, ParamRef layer, int points, double spearman, double kendall) {
}
