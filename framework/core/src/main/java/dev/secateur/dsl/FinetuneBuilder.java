package dev.secateur.dsl;

import dev.secateur.spec.TrainingSpec;
import java.util.Map;
import java.util.Set;

/** {@code finetune epochs: 1, lr: 1e-3, batch: 64}. Java: {@code f -> f.epochs(1).lr(1e-3)}. */
public final class FinetuneBuilder {

    private int epochs = 1;
    private int batch = TrainingSpec.DEFAULT_BATCH;
    private double lr = TrainingSpec.DEFAULT_LEARNING_RATE;

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

    FinetuneBuilder apply(Map<String, ?> named) {
        NamedArgs.apply("finetune", named, Set.of("epochs", "batch", "lr"), (name, value) -> {
            switch (name) {
                case "epochs" -> epochs(NamedArgs.integer("finetune", name, value));
                case "batch" -> batch(NamedArgs.integer("finetune", name, value));
                default -> lr(NamedArgs.number("finetune", name, value));
            }
        }, null);
        return this;
    }

    TrainingSpec build() {
        return NamedArgs.checked("finetune", () -> new TrainingSpec(epochs, batch, lr));
    }
}
