package dev.secateur.spec;

/**
 * How to train: a baseline from scratch, or fine-tuning with masks held fixed.
 *
 * @param epochs       passes over the training set, 0 or more
 * @param batchSize    examples per update, at least 1
 * @param learningRate Adam's learning rate, above 0
 * @param l2           the L2 penalty on weights (not biases) while training, 0 or more; null keeps whatever
 *                     regularization the network was configured with
 */
public record TrainingSpec(int epochs, int batchSize, double learningRate, Double l2) {

    public static final int DEFAULT_BATCH = 64;
    public static final double DEFAULT_LEARNING_RATE = 1e-3;

    public TrainingSpec {
        if (epochs < 0) {
            throw new IllegalArgumentException("epochs = " + epochs + " must be 0 or more");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch = " + batchSize + " must be at least 1");
        }
        if (!(learningRate > 0 && Double.isFinite(learningRate))) {
            throw new IllegalArgumentException("lr = " + learningRate + " must be a positive number, such as 1e-3");
        }
        if (l2 != null && !(l2 >= 0 && Double.isFinite(l2))) {
            throw new IllegalArgumentException("l2 = " + l2 + " must be 0 or a positive number, such as 1e-4");
        }
    }

    /** Without an L2 setting: the network keeps its own regularization. */
    public TrainingSpec(int epochs, int batchSize, double learningRate) {
        this(epochs, batchSize, learningRate, null);
    }
}
