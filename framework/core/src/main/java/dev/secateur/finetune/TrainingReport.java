package dev.secateur.finetune;

/**
 * What one training phase did.
 *
 * @param examples examples seen, over all epochs
 * @param seconds  wall time of the fit calls
 */
public record TrainingReport(long examples, double seconds) {

    public static final TrainingReport NONE = new TrainingReport(0, 0);

    /** Examples per second, or NaN when nothing was trained. */
    public double examplesPerSecond() {
        return examples == 0 || seconds <= 0 ? Double.NaN : examples / seconds;
    }
}
