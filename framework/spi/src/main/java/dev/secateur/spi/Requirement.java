package dev.secateur.spi;

/**
 * A statistic that a {@link SaliencyMethod} needs before it can score.
 *
 * <p>The scorer gathers the union of what the requested methods declare in one shared pass over a
 * seeded calibration set, and hands each method only read-only views through {@link ParamView#statistic}.
 * A method never runs its own forward or backward pass. Declaring a requirement that the scorer cannot
 * supply for a parameter fails the experiment at submit time, with a message naming the plugin, the
 * parameter and the requirement.
 */
public enum Requirement {
    /** The parameter's current values. Always available; no pass over data is needed. */
    WEIGHTS,
    /** dL/dw averaged over the calibration set (the mean of per-batch mean gradients). */
    GRADIENTS,
    /** The mean of per-sample (dL/dw)², the diagonal of the empirical Fisher. */
    GRADIENT_SQUARES,
    /** The layer's output activations z over the calibration set. */
    ACTIVATIONS,
    /** dL/dz for the layer's output activations. */
    ACTIVATION_GRADIENTS,
    /** The Gram matrix XXᵀ of the layer's inputs (im2col patches for convolutions). */
    INPUT_GRAM,
    /** The exact loss change when a group is removed, measured on the calibration set. */
    LOSS_ORACLE
}
