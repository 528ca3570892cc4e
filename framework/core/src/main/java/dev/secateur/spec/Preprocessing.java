package dev.secateur.spec;

import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * How pixel values become a network's inputs: {@code x' = (x·scale − mean[c]) / std[c]} for a pixel value x
 * (0 to 255) of channel c. A model trained elsewhere expects its inputs prepared the way they were in training
 * (PyTorch's {@code ToTensor()} then {@code Normalize(mean, std)}, say), so the data block declares it. The
 * default, scale 1/255 with no mean and std, is what Secateur's own networks train on: pixels in [0, 1].
 *
 * @param scale multiplies every stored value first; positive, or null for automatic: 1/255 for 8-bit values
 *              (IDX, images, CIFAR, uint8 arrays), 1 for any other numbers (float arrays, CSV tables)
 * @param mean  per channel, subtracted after scaling; empty for none
 * @param std   per channel, what the difference is divided by; empty exactly when {@code mean} is
 */
public record Preprocessing(Double scale, List<Double> mean, List<Double> std) {

    public static final double DEFAULT_SCALE = 1.0 / 255;

    /** Pixels scaled to [0, 1]: what every run did before preprocessing could be declared. */
    public static final Preprocessing DEFAULT = new Preprocessing(DEFAULT_SCALE, List.of(), List.of());

    /** 1/255 for 8-bit values, 1 for other numbers: what the new data sources default to. */
    public static final Preprocessing AUTOMATIC = new Preprocessing(null, List.of(), List.of());

    public Preprocessing {
        mean = List.copyOf(Objects.requireNonNull(mean, "mean"));
        std = List.copyOf(Objects.requireNonNull(std, "std"));
        if (scale != null && (!(scale > 0) || !Double.isFinite(scale))) {
            throw new IllegalArgumentException("scale = " + scale + " must be a positive number: every pixel value (0 to 255) "
                    + "is multiplied by it first; 1/255, the default, gives [0, 1], and 1 keeps 0 to 255");
        }
        if (std.isEmpty() && !mean.isEmpty()) {
            throw new IllegalArgumentException("mean = " + mean + " needs std too: x' = (x·scale − mean) / std, one value of each "
                    + "per channel; give std: " + Collections.nCopies(mean.size(), 1.0) + " to only subtract the mean");
        }
        if (mean.isEmpty() && !std.isEmpty()) {
            throw new IllegalArgumentException("std = " + std + " needs mean too: x' = (x·scale − mean) / std, one value of each "
                    + "per channel; give mean: " + Collections.nCopies(std.size(), 0.0) + " to only divide by the std");
        }
        if (mean.size() != std.size()) {
            throw new IllegalArgumentException("mean = " + mean + " and std = " + std + " must have one value per channel each, "
                    + "but have " + mean.size() + " and " + std.size());
        }
        for (int c = 0; c < mean.size(); c++) {
            if (!Double.isFinite(mean.get(c))) {
                throw new IllegalArgumentException("mean = " + mean + " must be finite, but channel " + c + " has " + mean.get(c));
            }
            if (!(std.get(c) > 0) || !Double.isFinite(std.get(c))) {
                throw new IllegalArgumentException("std = " + std + " must be positive in every channel, but channel " + c
                        + " has " + std.get(c) + "; it is the spread of the scaled pixels, such as 0.353 for Fashion-MNIST "
                        + "at scale 1/255");
            }
        }
    }

    /** A declared scale. */
    public Preprocessing(double scale, List<Double> mean, List<Double> std) {
        this(Double.valueOf(scale), mean, std);
    }

    /** Pixels multiplied by {@code scale}, with no mean or std. */
    public static Preprocessing scaled(double scale) {
        return new Preprocessing(scale, List.of(), List.of());
    }

    /** Pixels scaled to [0, 1], then normalised per channel: PyTorch's {@code ToTensor()} then {@code Normalize(mean, std)}. */
    public static Preprocessing normalized(List<Double> mean, List<Double> std) {
        return new Preprocessing(DEFAULT_SCALE, mean, std);
    }

    public boolean isDefault() {
        return equals(DEFAULT);
    }

    /** With the automatic scale made concrete: 1/255 for 8-bit values, 1 for other numbers. */
    public Preprocessing resolve(boolean eightBit) {
        return scale != null ? this : new Preprocessing(eightBit ? DEFAULT_SCALE : 1.0, mean, std);
    }

    /**
     * Refuses a mean and std whose length is not the images' channel count.
     *
     * @param images what the images are, for the message, such as "fashion-mnist images"
     */
    public void requireChannels(int channels, String images) {
        if (!mean.isEmpty() && mean.size() != channels) {
            throw new IllegalArgumentException("mean = " + mean + " and std = " + std + " have " + mean.size() + (mean.size() == 1 ? " value" : " values") + ", but "
                    + images + " have " + channels + (channels == 1 ? " channel" : " channels")
                    + "; give one mean and one std per channel");
        }
    }

    /** The input for pixel value {@code pixel} (0 to 255) of channel {@code channel}. */
    public float apply(int pixel, int channel) {
        return apply((double) pixel, channel);
    }

    /** The input for a stored value {@code value} of channel {@code channel} (for a table, its column). */
    public float apply(double value, int channel) {
        if (scale == null) {
            throw new IllegalStateException("the automatic scale is resolved when the data is read");
        }
        double x = value * scale;
        return mean.isEmpty() ? (float) x : (float) ((x - mean.get(channel)) / std.get(channel));
    }

    /** A one-line account, for the console and the data source in spec.json. */
    public String describe() {
        String factor = scale == null ? "automatic scale" : String.valueOf(scale);
        return mean.isEmpty() ? "inputs x·" + factor
                : "inputs (x·" + factor + " − mean) / std, mean " + mean + ", std " + std;
    }
}
