package dev.secateur.dsl;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.ModelSpec;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code model { train 'lenet-300-100', epochs: 3 }} or {@code model { load 'models/net.zip' }}.
 * Java: {@code m -> m.train("lenet-300-100").epochs(3)}.
 */
public final class ModelBuilder extends TrainingBuilder<ModelBuilder> {

    private String architecture;
    private Path file;

    ModelBuilder() {
        super(3);
    }

    /** Build a built-in architecture ({@code lenet-300-100}, {@code lenet-5}) and train it; options epochs, batch, lr, l2, decay. */
    public ModelBuilder train(Map<String, ?> options, String architecture) {
        return train(architecture).applyTraining("model train", options);
    }

    public ModelBuilder train(String architecture) {
        this.architecture = architecture;
        return this;
    }

    /** Load a trained model: a DL4J zip (MultiLayerNetwork or ComputationGraph) or an ONNX file ({@code .onnx}). */
    public ModelBuilder load(String path) {
        this.file = Path.of(path);
        return this;
    }

    ModelSpec build() {
        if ((architecture == null) == (file == null)) {
            throw new BadInputException("model needs exactly one of train '<architecture>' or load '<file.zip or file.onnx>'");
        }
        if (file != null) {
            return new ModelSpec.Load(file);
        }
        return new ModelSpec.Train(architecture, buildTraining("model train"));
    }
}
