package dev.secateur.bus;

/** Which training a progress event belongs to. */
public enum TrainingPhase {
    /** Training the dense model from scratch. */
    BASELINE,
    /** Fine-tuning after a pruning step, masks held fixed. */
    FINETUNE,
    /** Training the dense control on the same examples as a fine-tuning step ({@code control true}). */
    CONTROL
}
