package dev.secateur.spec;

import dev.secateur.spi.Options;
import java.util.Objects;

/**
 * A saliency plugin id, the options given to it, and the size of the calibration set its statistics
 * are gathered on (a seeded sample of the training split; unused by methods that need only weights).
 */
public record SaliencySpec(String id, Options options, int calibration) {

    /** Calibration samples when a script does not say: enough for stable Fisher and Gram estimates on MNIST-sized nets. */
    public static final int DEFAULT_CALIBRATION = 1024;

    public SaliencySpec {
        Objects.requireNonNull(id, "saliency id");
        Objects.requireNonNull(options, "options");
        if (calibration < 1) {
            throw new IllegalArgumentException("calibration samples: " + calibration + " must be at least 1; for example calibration samples: 1024");
        }
    }

    public SaliencySpec(String id, Options options) {
        this(id, options, DEFAULT_CALIBRATION);
    }
}
