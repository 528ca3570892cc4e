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
    private Double l2;

    /** Build a built-in architecture ({@code lenet-300-100}, {@code lenet-5}) and train it; options epochs, batch, lr, l2. */
    public ModelBuilder train(Map<String, ?> options, String architecture) {
        train(architecture);
        NamedArgs.apply("model train", options, Set.of("epochs", "batch", "lr", "l2"), (name, value) -> {
            switch (name) {
                case "epochs" -> epochs(NamedArgs.integer("model train", name, value));
                case "batch" -> batch(NamedArgs.integer("model train", name, value));
                case "lr" -> lr(NamedArgs.number("model train", name, value));
                default -> l2(NamedArgs.number("model train", name, value));
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

    /** An L2 penalty on the weights while training (Han et al. retrained with L2); 0 turns it off. */
    public ModelBuilder l2(double l2) {
        this.l2 = l2;
        return this;
    }

    ModelSpec build() {
        if ((architecture == null) == (file == null)) {
            throw new BadInputException("model needs exactly one of train '<architecture>' or load '<file.zip>'");
        }
        if (file != null) {
            return new ModelSpec.Load(file);
        }
        return new ModelSpec.Train(architecture, NamedArgs.checked("model train", () -> new TrainingSpec(epochs, batch, lr, l2)));
    }
}
