package dev.secateur.spec;

import java.util.Locale;
import java.util.Objects;

/**
 * How to train: a baseline from scratch, or fine-tuning with masks held fixed.
 *
 * @param epochs       passes over the training set, 0 or more
 * @param batchSize    examples per update, at least 1
 * @param learningRate Adam's learning rate, above 0
 * @param l2           the L2 penalty on weights (not biases) while training, 0 or more; null keeps whatever
 *                     regularization the network was configured with
 * @param decay        how the learning rate moves over one training phase (one call to train: the baseline, or
 *                     one pruning step's retraining)
 */
public record TrainingSpec(int epochs, int batchSize, double learningRate, Double l2, Decay decay) {

    /** The learning rate over one training phase. */
    public enum Decay {
        /** The rate throughout. */
        CONSTANT,
        /**
         * Half a cosine from the rate down to 0 over the phase's updates (Loshchilov and Hutter's annealing, restarted
         * at every pruning step, as pruning recipes such as Torch-Pruning's benchmarks retrain): the phase ends at a
         * settled point instead of wherever the last update of a constant rate left it.
         */
        COSINE;

        /** The DSL's word for it. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Decay of(String word) {
            for (var decay : values()) {
                if (decay.word().equals(word)) {
                    return decay;
                }
            }
            throw new IllegalArgumentException("decay: '" + word + "' is not a learning-rate decay; write 'constant' or 'cosine'");
        }
    }

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
        Objects.requireNonNull(decay, "decay");
    }

    /** At a constant rate. */
    public TrainingSpec(int epochs, int batchSize, double learningRate, Double l2) {
        this(epochs, batchSize, learningRate, l2, Decay.CONSTANT);
    }

    /**
     * The record's own form, but a constant rate is left out: an experiment's resume key is built from this text,
     * and runs made before the decay existed keep theirs.
     */
    @Override
    public String toString() {
        return "TrainingSpec[epochs=" + epochs + ", batchSize=" + batchSize + ", learningRate=" + learningRate + ", l2=" + l2
                + (decay == Decay.CONSTANT ? "" : ", decay=" + decay.word()) + "]";
    }

    /** Without an L2 setting: the network keeps its own regularization. */
    public TrainingSpec(int epochs, int batchSize, double learningRate) {
        this(epochs, batchSize, learningRate, null);
    }
}
