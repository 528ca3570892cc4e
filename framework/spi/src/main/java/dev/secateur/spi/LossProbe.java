package dev.secateur.spi;

/**
 * Measures the mean calibration loss of the network with parts of one parameter removed, restoring the
 * parameter afterwards. Each call is a forward pass over the calibration set, so a method uses it
 * sparingly: once per unit, or once per sampled weight.
 */
public interface LossProbe {

    /** The loss of the network as it is. */
    double baseLoss();

    /** The loss with output unit {@code unit} (a neuron or filter) removed: its weights and its bias zero. */
    double lossWithoutUnit(int unit);

    /** The loss with one weight, at C-order flat index {@code index} of the weight array, set to zero. */
    double lossWithoutWeight(long index);
}
