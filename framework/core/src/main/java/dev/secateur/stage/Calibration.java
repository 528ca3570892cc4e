package dev.secateur.stage;

import dev.secateur.data.DataSplits;
import dev.secateur.data.Dataset;

/** The calibration set: a seeded sample of the training split, never the test split. */
final class Calibration {

    private Calibration() {
    }

    static Dataset sample(DataSplits data, int samples, long seed) {
        var train = data.train();
        return train.sample(Math.min(samples, train.size()), seed ^ 0x5ECA7E0CA11BL);
    }
}
