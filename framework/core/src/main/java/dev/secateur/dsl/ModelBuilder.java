package dev.secateur.dsl;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.ModelSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code model { train 'lenet-300-100', epochs: 3 }} or {@code model { load 'models/net.zip' }}.
 * Java: {@code m -> m.train("lenet-300-100").epochs(3)}.
 */
public final class ModelBuilder extends TrainingBuilder<ModelBuilder> {

    private String architecture;
    private Path file;
    private List<Integer> hidden = List.of();
    private final Map<String, Integer> sizes = new TreeMap<>();

    ModelBuilder() {
        super(3);
    }

    /**
     * Build a built-in architecture ({@code mlp}, {@code lenet-300-100}, {@code lenet-5}, {@code vgg-small},
     * {@code resnet-small}, {@code gpt-tiny}), sized from the data, and train it; options epochs, batch, lr, l2, decay,
     * for {@code mlp} {@code hidden: [300, 100]}, and for {@code gpt-tiny} {@code layers}, {@code dModel}, {@code heads}
     * and {@code mlp} (its context and vocabulary come from the text).
     */
    public ModelBuilder train(Map<String, ?> options, String architecture) {
        var training = new LinkedHashMap<String, Object>(options);
        Object widths = training.remove("hidden");
        if (widths != null) {
            hidden = NamedArgs.numbers("model train", "hidden", widths).stream().map(width -> {
                if (width != Math.rint(width) || width < 1) {
                    throw new BadInputException("model train hidden: " + widths + " must list whole positive layer widths, "
                            + "such as hidden: [300, 100]");
                }
                return width.intValue();
            }).toList();
        }
        for (String size : ModelSpec.Train.GPT_SIZES) {
            Object value = training.remove(size);
            if (value != null) {
                sizes.put(size, NamedArgs.integer("model train", size, value));
            }
        }
        return train(architecture).applyTraining("model train", training);
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
        if (!hidden.isEmpty() && !architecture.equals("mlp")) {
            throw new BadInputException("model train '" + architecture + "' has a fixed shape; hidden: " + hidden
                    + " sizes only 'mlp', so write train 'mlp', hidden: " + hidden);
        }
        if (!sizes.isEmpty() && !architecture.equals(ModelSpec.Train.GPT_TINY)) {
            throw new BadInputException("model train '" + architecture + "' has a fixed shape; " + sizes.keySet()
                    + " size only 'gpt-tiny'");
        }
        return new ModelSpec.Train(architecture, buildTraining("model train"), hidden, sizes);
    }
}
