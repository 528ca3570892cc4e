package dev.secateur.spi;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Helpers for methods that score whole output units (neurons, filters) rather than single weights. */
public final class Units {

    private Units() {
    }

    /** How many output units the parameter has: its output channels, or the heads they form ({@link ParamView#unitWidth()}). */
    public static int count(ParamView param) {
        return (int) param.shape()[param.layerKind().outputAxis()] / param.unitWidth();
    }

    /**
     * Spreads one score per output unit over the unit's weights, each weight getting an equal share, so
     * the pruner's default L1 reduction gives back the unit's score. Scores must be non-negative. Where units are
     * heads of several channels, one score per output channel is taken as well (a per-channel criterion such as
     * Taylor's), and the L1 reduction then gives a head the sum of its channels' scores.
     */
    public static INDArray spread(ParamView param, double[] unitScores) {
        long[] shape = param.shape();
        int channels = (int) shape[param.layerKind().outputAxis()];
        if (unitScores.length != count(param) && unitScores.length != channels) {
            throw new IllegalArgumentException(param.ref() + " has " + count(param) + " output units"
                    + (channels != count(param) ? " of " + param.unitWidth() + " channels" : "") + ", got " + unitScores.length + " scores");
        }
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        long perUnit = size / unitScores.length;
        float[] shares = new float[unitScores.length];
        for (int u = 0; u < shares.length; u++) {
            shares[u] = (float) (unitScores[u] / perUnit);
        }
        return Nd4j.create(perWeight(param.layerKind(), shape, shares), shape, 'c').castTo(DataType.FLOAT);
    }

    /**
     * One value per output unit, repeated for every weight of that unit, in the C order of a weight array
     * of {@code shape}: a unit's weights are together for [nOut, ...] layouts and interleaved for [nIn, nOut].
     * A unit is one output channel, or, with fewer values than channels, a run of adjacent channels (a head).
     */
    public static float[] perWeight(LayerKind kind, long[] shape, float[] perUnit) {
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        int units = perUnit.length;
        int channels = (int) shape[kind.outputAxis()];
        if (units == 0 || channels % units != 0) {
            throw new IllegalArgumentException(channels + " output channels do not split into " + units + " units");
        }
        int width = channels / units;
        long unitRun = size / units;
        boolean leading = kind.outputAxis() == 0;
        float[] out = new float[(int) size];
        for (int i = 0; i < out.length; i++) {
            out[i] = perUnit[leading ? (int) (i / unitRun) : (i % channels) / width];
        }
        return out;
    }
}
