package dev.secateur.spi;

/**
 * The kind of layer a prunable parameter belongs to. It fixes the parameter's layout, so plugins
 * never inspect DL4J layer classes themselves.
 */
public enum LayerKind {
    /** A fully connected hidden layer. Weights have shape [nIn, nOut]. */
    DENSE(1),
    /** The network's output layer: fully connected, weights [nIn, nOut], one output unit per class. */
    OUTPUT(1),
    /** A 2-D convolution. Weights have shape [nOut, nIn, kH, kW]. */
    CONVOLUTION(0);

    private final int outputAxis;

    LayerKind(int outputAxis) {
        this.outputAxis = outputAxis;
    }

    /** The weight axis that indexes output units (neurons or filters). */
    public int outputAxis() {
        return outputAxis;
    }
}
