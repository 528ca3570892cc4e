package dev.secateur.dsl;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.TrainingSpec;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * {@code model { train 'lenet-300-100', epochs: 3 }} or {@code model { load 'models/net.zip' }}.
 * Java: {@code m -> m.train("lenet-300-100").epochs(3)}.
 */
public final class ModelBuilder {

    private String architecture;
    private Path file;
    private int epochs = 3;
    private int batch = TrainingSpec.DEFAULT_BATCH;
    private double lr = TrainingSpec.DEFAULT_LEARNING_RATE;

    /** Build a built-in architecture ({@code lenet-300-100}, {@code lenet-5}) and train it; options epochs, batch, lr. */
    public ModelBuilder train(Map<String, ?> options, String architecture) {
        train(architecture);
        NamedArgs.apply("model train", options, Set.of("epochs", "batch", "lr"), (name, value) -> {
            switch (name) {
                case "epochs" -> epochs(NamedArgs.integer("model train", name, value));
                case "batch" -> batch(NamedArgs.integer("model train", name, value));
                default -> lr(NamedArgs.number("model train", name, value));
            }
        }, null);
        return this;
    }

    public ModelBuilder train(String architecture) {
        this.architecture = architecture;
        return this;
    }

    /** Load a trained DL4J MultiLayerNetwork zip. */
    public ModelBuilder load(String path) {
        this.file = Path.of(path);
        return this;
    }

    public ModelBuilder epochs(int epochs) {
        this.epochs = epochs;
        return this;
    }

    public ModelBuilder batch(int batch) {
        this.batch = batch;
        return this;
    }

    public ModelBuilder lr(double lr) {
        this.lr = lr;
        return this;
    }

    ModelSpec build() {
        if ((architecture == null) == (file == null)) {
            throw new BadInputException("model needs exactly one of train '<architecture>' or load '<file.zip>'");
        }
        if (file != null) {
            return new ModelSpec.Load(file);
        }
        return new ModelSpec.Train(architecture, NamedArgs.checked("model train", () -> new TrainingSpec(epochs, batch, lr)));
    }
}
