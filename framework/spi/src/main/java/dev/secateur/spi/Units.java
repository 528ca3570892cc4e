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
        float[] shares = new float[unitScores.length];
        for (int u = 0; u < shares.length; u++) {
            shares[u] = (float) (unitScores[u] / perUnit);
        }
        return Nd4j.create(perWeight(param.layerKind(), shape, shares), shape, 'c').castTo(DataType.FLOAT);
    }

    /**
     * One value per output unit, repeated for every weight of that unit, in the C order of a weight array
     * of {@code shape}: a unit's weights are together for [nOut, ...] layouts and interleaved for [nIn, nOut].
     */
    public static float[] perWeight(LayerKind kind, long[] shape, float[] perUnit) {
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        int units = perUnit.length;
        long unitRun = size / units;
        boolean leading = kind.outputAxis() == 0;
        float[] out = new float[(int) size];
        for (int i = 0; i < out.length; i++) {
            out[i] = perUnit[leading ? (int) (i / unitRun) : i % units];
        }
        return out;
    }
}
