package dev.secateur.model;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;

/** What an activation computes, where code of Secateur's own computes it instead of DL4J. */
public final class ActivationKinds {

    private ActivationKinds() {
    }

    /**
     * Whether {@code a} is max(x, 0) and nothing else: DL4J's {@code ActivationReLU} also takes a cap, a threshold and
     * a slope below it, which make it another function.
     */
    public static boolean plainRelu(IActivation a) {
        return a instanceof ActivationReLU relu && relu.getMax() == null && isZero(relu.getThreshold()) && isZero(relu.getNegativeSlope());
    }

    private static boolean isZero(Double value) {
        return value == null || value == 0.0;
    }
}
