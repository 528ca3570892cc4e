package dev.secateur.data;

import dev.secateur.data.DataSplits;
import dev.secateur.data.Dataset;

/** The calibration set: a seeded sample of the training split, never the test split. */
public final class Calibration {

    private Calibration() {
    }

    public static Dataset sample(DataSplits data, int samples, long seed) {
        var train = data.train();
        return train.sample(Math.min(samples, train.size()), seed ^ 0x5ECA7E0CA11BL);
    }

    /**
     * The sensitivity analysis's validation sample: also from the training split (the test split must not
     * choose the ratios it is then reported on), drawn with its own seed so it differs from the calibration set.
     */
    public static Dataset validation(DataSplits data, int samples, long seed) {
        var train = data.train();
        return train.sample(Math.min(samples, train.size()), seed ^ 0x5E5171717EL);
    }
}
