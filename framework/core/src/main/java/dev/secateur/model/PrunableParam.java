package dev.secateur.model;

import dev.secateur.spi.LayerKind;
import dev.secateur.spi.ParamRef;

/**
 * A weight parameter that can be pruned, with its layout.
 *
 * @param weights the weight parameter, such as {@code 0_W}
 * @param kind    the layer kind
 * @param shape   the weight shape
 * @param biasShape the shape of the layer's bias {@code <layer>_b}, or null if it has none
 */
public record PrunableParam(ParamRef weights, LayerKind kind, long[] shape, long[] biasShape) {

    public boolean hasBias() {
        return biasShape != null;
    }

    public long size() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Output units: neurons of a dense layer, filters of a convolution. */
    public long units() {
        return shape[kind.outputAxis()];
    }
}
