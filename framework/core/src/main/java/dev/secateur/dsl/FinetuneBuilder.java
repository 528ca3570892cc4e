package dev.secateur.dsl;

import dev.secateur.spec.TrainingSpec;
import java.util.Map;

/**
 * {@code finetune epochs: 1, lr: 1e-3, batch: 64, l2: 1e-4}, or the same as a block:
 * {@code finetune { epochs 1; lr 1e-3 }}. Java: {@code f -> f.epochs(1).lr(1e-3).l2(1e-4)}.
 */
public final class FinetuneBuilder extends TrainingBuilder<FinetuneBuilder> {

    FinetuneBuilder() {
        super(1);
    }

    FinetuneBuilder apply(Map<String, ?> named) {
        return applyTraining("finetune", named);
    }

    TrainingSpec build() {
        return buildTraining("finetune");
    }
}
