package dev.secateur.spec;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Objects;

/** Where the network comes from. */
public sealed interface ModelSpec permits ModelSpec.Train, ModelSpec.Load {

    /**
     * Build a built-in architecture, sized from the data, and train a dense baseline.
     *
     * @param hidden the hidden layers' widths of {@code mlp}; empty for the architecture's own
     * @param sizes  {@code gpt-tiny}'s size by name ({@code layers}, {@code dModel}, {@code heads}, {@code mlp}); empty
     *               for the architecture's defaults
     */
    record Train(String architecture, TrainingSpec training, List<Integer> hidden, Map<String, Integer> sizes) implements ModelSpec {
        public Train {
            Objects.requireNonNull(architecture, "architecture");
            Objects.requireNonNull(training, "training");
            hidden = List.copyOf(hidden);
            sizes = Collections.unmodifiableMap(new TreeMap<>(sizes));
            for (int width : hidden) {
                if (width < 1) {
                    throw new IllegalArgumentException("hidden: " + hidden + " must list positive layer widths, such as [300, 100]");
                }
            }
        }

        /** The transformer's id, the one architecture {@code sizes} applies to. */
        public static final String GPT_TINY = "gpt-tiny";

        /** The options that size {@code gpt-tiny}. */
        public static final List<String> GPT_SIZES = List.of("layers", "dModel", "heads", "mlp");

        public Train(String architecture, TrainingSpec training, List<Integer> hidden) {
            this(architecture, training, hidden, Map.of());
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
