package dev.secateur.finetune;

/** Hears about training as it goes; called on the training thread, so implementations must be quick. */
@FunctionalInterface
public interface TrainingProgressListener {

    TrainingProgressListener NONE = progress -> { };

    void onProgress(Progress progress);

    /**
     * @param epoch         the current epoch, from 1
     * @param epochs        all epochs
     * @param examplesDone  examples seen so far, over all epochs
     * @param examplesTotal examples over all epochs
     * @param score         the latest minibatch loss
     */
    record Progress(int epoch, int epochs, long examplesDone, long examplesTotal, double score) {
    }
}
