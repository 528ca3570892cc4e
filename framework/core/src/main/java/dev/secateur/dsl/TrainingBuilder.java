package dev.secateur.dsl;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.TrainingSpec;
import java.util.Map;
import java.util.Set;

/**
 * Epochs, batch size, learning rate, its decay and L2 penalty, shared by {@code model { train ... }} and
 * {@code finetune ...}; each names its own defaults.
 *
 * @param <B> the concrete builder, so the setters chain
 */
public abstract class TrainingBuilder<B extends TrainingBuilder<B>> {

    private static final Set<String> OPTIONS = Set.of("epochs", "batch", "lr", "l2", "decay");

    private int epochs;
    private int batch = TrainingSpec.DEFAULT_BATCH;
    private double lr = TrainingSpec.DEFAULT_LEARNING_RATE;
    private Double l2;
    private TrainingSpec.Decay decay = TrainingSpec.Decay.CONSTANT;

    TrainingBuilder(int defaultEpochs) {
        this.epochs = defaultEpochs;
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    public B epochs(int epochs) {
        this.epochs = epochs;
        return self();
    }

    public B batch(int batch) {
        this.batch = batch;
        return self();
    }

    public B lr(double lr) {
        this.lr = lr;
        return self();
    }

    /** An L2 penalty on the weights while training (Han et al. retrained with L2); 0 turns it off. */
    public B l2(double l2) {
        this.l2 = l2;
        return self();
    }

    /** {@code 'cosine'}: the rate falls along half a cosine to 0 over each training phase; {@code 'constant'} keeps it. */
    public B decay(String decay) {
        try {
            this.decay = TrainingSpec.Decay.of(decay);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
        return self();
    }

    /** Applies {@code epochs:}, {@code batch:}, {@code lr:}, {@code l2:} and {@code decay:} given as named arguments. */
    B applyTraining(String what, Map<String, ?> named) {
        NamedArgs.apply(what, named, OPTIONS, (name, value) -> {
            switch (name) {
                case "epochs" -> epochs(NamedArgs.integer(what, name, value));
                case "batch" -> batch(NamedArgs.integer(what, name, value));
                case "lr" -> lr(NamedArgs.number(what, name, value));
                case "decay" -> decay = NamedArgs.checked(what, () -> TrainingSpec.Decay.of(String.valueOf(value)));
                default -> l2(NamedArgs.number(what, name, value));
            }
        }, null);
        return self();
    }

    /** Starts from earlier settings, so a declaration overrides only what it names. */
    B from(TrainingSpec spec) {
        epochs = spec.epochs();
        batch = spec.batchSize();
        lr = spec.learningRate();
        l2 = spec.l2();
        decay = spec.decay();
        return self();
    }

    TrainingSpec buildTraining(String what) {
        return NamedArgs.checked(what, () -> new TrainingSpec(epochs, batch, lr, l2, decay));
    }
}
