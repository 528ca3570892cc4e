package dev.secateur.spi;

/** How element scores of one group (a filter or a neuron) become the group's score. */
public enum GroupReduction {
    /** The sum of absolute scores: a filter's L1 norm when the scores are |w| (Li et al. 2016). */
    L1,
    /** The Euclidean norm of the scores. */
    L2,
    /** The mean score. */
    MEAN,
    /** The largest score. */
    MAX
}
