package dev.secateur.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** Where the network comes from. */
public sealed interface ModelSpec permits ModelSpec.Train, ModelSpec.Load {

    /**
     * Build a built-in architecture, sized from the data, and train a dense baseline.
     *
     * @param hidden the hidden layers' widths of {@code mlp}; empty for the architecture's own
     */
    record Train(String architecture, TrainingSpec training, List<Integer> hidden) implements ModelSpec {
        public Train {
            Objects.requireNonNull(architecture, "architecture");
            Objects.requireNonNull(training, "training");
            hidden = List.copyOf(hidden);
            for (int width : hidden) {
                if (width < 1) {
                    throw new IllegalArgumentException("hidden: " + hidden + " must list positive layer widths, such as [300, 100]");
                }
            }
        }

        public Train(String architecture, TrainingSpec training) {
            this(architecture, training, List.of());
        }
    }

    /** Load a trained model: a DL4J zip, or an ONNX file that is mapped onto a DL4J graph. */
    record Load(Path file) implements ModelSpec {
        public Load {
            Objects.requireNonNull(file, "file");
        }
    }
}
