package dev.secateur.dsl;

import dev.secateur.spec.SaliencySpec;

/** The block form of {@code calibration samples: 512}: {@code calibration { samples 512 }}. */
public final class CalibrationBuilder {

    private int samples = SaliencySpec.DEFAULT_CALIBRATION;

    /** How many training examples the scorer's statistics pass reads. */
    public CalibrationBuilder samples(int samples) {
        this.samples = samples;
        return this;
    }

    int samples() {
        return samples;
    }
}
