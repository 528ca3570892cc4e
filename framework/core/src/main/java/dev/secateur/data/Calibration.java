package dev.secateur.data;

import dev.secateur.data.DataSplits;
import dev.secateur.data.Dataset;
import dev.secateur.errors.BadInputException;
import java.util.Arrays;

/** The calibration set: a seeded sample of the training split, never the test split. */
public final class Calibration {

    private static final long VALIDATION = 0x5E5171717EL;

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
        return train.sample(Math.min(samples, train.size()), seed ^ VALIDATION);
    }

    /**
     * What a sensitivity point retrains on before it is measured: up to {@code examples} training examples that the
     * validation sample of {@code samples} does not hold (the next ones in its order), so a point is never measured on
     * what it just learnt.
     */
    public static Dataset recovery(DataSplits data, int samples, int examples, long seed) {
        var train = data.train();
        int validation = Math.min(samples, train.size());
        int n = Math.min(examples, outsideValidation(train.size(), samples));
        if (n < 1) {
            throw new BadInputException(noRoomForRecovery(examples, samples, train.size() + " of " + train.name()));
        }
        int[] order = Dataset.permutation(train.size(), seed ^ VALIDATION);
        return train.select(Arrays.copyOfRange(order, validation, validation + n),
                train.name() + "[recovery " + n + ", seed " + seed + "]");
    }

    /** Training examples outside a validation sample of {@code samples}: what a recovering sensitivity point retrains on. */
    public static int outsideValidation(int trainSize, int samples) {
        return trainSize - Math.min(samples, trainSize);
    }

    /** Why {@code recover} cannot run: the validation sample takes every training example ({@code train} says which). */
    public static String noRoomForRecovery(int recover, int samples, String train) {
        return "sensitivity recover " + recover + " needs training examples outside the validation sample, but samples "
                + samples + " takes all " + train + "; lower samples or use more training data";
    }
}
