package dev.secateur.finetune;

/**
 * What one training phase did.
 *
 * @param examples          examples seen, over all epochs
 * @param seconds           wall time of the fit calls
 * @param lastScore         the minibatch loss at the last update
 */
public record TrainingReport(long examples, double seconds, double lastScore) {

    public static final TrainingReport NONE = new TrainingReport(0, 0, Double.NaN);

    /** Examples per second, or NaN when nothing was trained. */
    public double examplesPerSecond() {
        return examples == 0 || seconds <= 0 ? Double.NaN : examples / seconds;
    }
}
