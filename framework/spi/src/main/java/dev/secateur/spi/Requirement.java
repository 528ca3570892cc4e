package dev.secateur.spi;

/**
 * A statistic that a {@link SaliencyMethod} needs before it can score.
 *
 * <p>The scorer gathers the union of what the requested methods declare in one shared pass over a
 * seeded calibration set (a sample of the training split; {@code calibration} in the DSL sets its size),
 * and hands each method only read-only views through {@link ParamView#statistic}. A method never runs its
 * own forward or backward pass. Declaring a requirement that the scorer cannot supply for a parameter
 * fails the experiment at submit time, with a message naming the plugin, the parameter and the
 * requirement. Shapes below use the weight shape {@code W} and the layer's output units {@code U}
 * (neurons, or filters).
 */
public enum Requirement {
    /** The parameter's current values. Always available; no pass over data is needed. */
    WEIGHTS,
    /** dL/dw averaged over the calibration samples, where L is the per-sample loss. Shape {@code W}. */
    GRADIENTS,
    /** The mean over calibration samples of (dL/dw)², the diagonal of the empirical Fisher. Shape {@code W}. */
    GRADIENT_SQUARES,
    /**
     * Every calibration sample's gradient, flattened in C order: shape [samples, size of W]. Large (it
     * grows with samples × weights); exact OBS needs it to build the empirical Fisher.
     */
    SAMPLE_GRADIENTS,
    /**
     * The layer's output activation z (after its nonlinearity), averaged over spatial positions:
     * shape [samples, U].
     */
    ACTIVATIONS,
    /**
     * The first-order Taylor term of each output unit: z·dL/dz averaged over spatial positions, per
     * sample: shape [samples, U]. Not available for output layers.
     */
    ACTIVATION_GRADIENTS,
    /**
     * The mean outer product XᵀX of the layer's input rows, shape [d, d]: for a dense layer a row is one
     * sample's input (d = nIn); for a convolution a row is one im2col patch (d = nIn·kH·kW, in the C order
     * of a filter's weights), so there are samples × output positions rows.
     */
    INPUT_GRAM,
    /** A {@link LossProbe} that measures the calibration loss with parts of this parameter removed. */
    LOSS_ORACLE
}
