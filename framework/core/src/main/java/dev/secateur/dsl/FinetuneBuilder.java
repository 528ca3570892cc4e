package dev.secateur.dsl;

import dev.secateur.spec.TrainingSpec;
import java.util.Map;
import java.util.Set;

/** {@code finetune epochs: 1, lr: 1e-3, batch: 64, l2: 1e-4}. Java: {@code f -> f.epochs(1).lr(1e-3).l2(1e-4)}. */
public final class FinetuneBuilder {

    private int epochs = 1;
    private int batch = TrainingSpec.DEFAULT_BATCH;
    private double lr = TrainingSpec.DEFAULT_LEARNING_RATE;
    private Double l2;

    public FinetuneBuilder epochs(int epochs) {
        this.epochs = epochs;
        return this;
    }

    public FinetuneBuilder batch(int batch) {
        this.batch = batch;
        return this;
    }

    public FinetuneBuilder lr(double lr) {
        this.lr = lr;
        return this;
    }

    /** An L2 penalty on the weights while training (Han et al. retrained with L2); 0 turns it off. */
    public FinetuneBuilder l2(double l2) {
        this.l2 = l2;
        return this;
    }

    FinetuneBuilder apply(Map<String, ?> named) {
        NamedArgs.apply("finetune", named, Set.of("epochs", "batch", "lr", "l2"), (name, value) -> {
            switch (name) {
                case "epochs" -> epochs(NamedArgs.integer("finetune", name, value));
                case "batch" -> batch(NamedArgs.integer("finetune", name, value));
                case "lr" -> lr(NamedArgs.number("finetune", name, value));
                default -> l2(NamedArgs.number("finetune", name, value));
            }
        }, null);
        return this;
    }

    TrainingSpec build() {
        return NamedArgs.checked("finetune", () -> new TrainingSpec(epochs, batch, lr, l2));
    }
}
