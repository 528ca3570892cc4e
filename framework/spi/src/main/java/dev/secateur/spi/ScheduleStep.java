package dev.secateur.spi;

/**
 * One step of a pruning schedule.
 *
 * @param index          1 for the first pruning step (step 0 is always the dense model)
 * @param targetSparsity the sparsity to reach at this step, in [0, 1)
 * @param finetuneEpochs fine-tuning epochs after pruning, with the masks held fixed
 */
public record ScheduleStep(int index, double targetSparsity, int finetuneEpochs) {

    public ScheduleStep {
        if (index < 1) {
            throw new IllegalArgumentException("step index must be >= 1, got " + index);
        }
        ScheduleSpec.requireSparsity("step " + index + " target", targetSparsity);
        if (finetuneEpochs < 0) {
            throw new IllegalArgumentException("step " + index + " finetune epochs must be >= 0");
        }
    }
}
