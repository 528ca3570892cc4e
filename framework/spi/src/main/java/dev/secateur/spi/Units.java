package dev.secateur.spi;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Helpers for methods that score whole output units (neurons, filters) rather than single weights. */
public final class Units {

    private Units() {
    }

    /** How many output units the parameter has. */
    public static int count(ParamView param) {
        return (int) param.shape()[param.layerKind().outputAxis()];
    }

    /**
     * Spreads one score per output unit over the unit's weights, each weight getting an equal share, so
     * the pruner's default L1 reduction gives back the unit's score. Scores must be non-negative.
     */
    public static INDArray spread(ParamView param, double[] unitScores) {
        long[] shape = param.shape();
        int axis = param.layerKind().outputAxis();
        if (unitScores.length != shape[axis]) {
            throw new IllegalArgumentException(param.ref() + " has " + shape[axis] + " output units, got " + unitScores.length + " scores");
        }
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        long perUnit = size / shape[axis];
        float[] out = new float[(int) size];
        for (int i = 0; i < out.length; i++) {
            // C order: [nOut, ...] keeps a unit's weights together; [nIn, nOut] interleaves them
            int unit = axis == 0 ? (int) (i / perUnit) : (int) (i % shape[axis]);
            out[i] = (float) (unitScores[unit] / perUnit);
        }
        return Nd4j.create(out, shape, 'c').castTo(DataType.FLOAT);
    }
}
