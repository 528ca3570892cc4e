package dev.secateur.spec;

import java.nio.file.Path;
import java.util.Objects;

/** Where the network comes from. */
public sealed interface ModelSpec permits ModelSpec.Train, ModelSpec.Load {

    /** Build a built-in architecture and train a dense baseline. */
    record Train(String architecture, TrainingSpec training) implements ModelSpec {
        public Train {
            Objects.requireNonNull(architecture, "architecture");
            Objects.requireNonNull(training, "training");
        }
    }

    /** Load a trained model: a DL4J zip, or an ONNX file that is mapped onto a DL4J graph. */
    record Load(Path file) implements ModelSpec {
        public Load {
            Objects.requireNonNull(file, "file");
        }
    }
}
