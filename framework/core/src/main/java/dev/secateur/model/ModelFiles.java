package dev.secateur.model;

import dev.secateur.errors.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/** DL4J model zips: reading them with clear errors, and writing them atomically. */
public final class ModelFiles {

    private ModelFiles() {
    }

    public static MultiLayerNetwork load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("model file " + file + " does not exist; give the path of a DL4J model zip "
                    + "written by ModelSerializer or by a previous run (runs/<run-id>/model-final.zip)");
        }
        try (var zip = new ZipFile(file.toFile())) {
            if (zip.getEntry("configuration.json") == null || zip.getEntry("coefficients.bin") == null) {
                throw new BadInputException("model file " + file + " is a zip but not a DL4J model: it lacks "
                        + "configuration.json or coefficients.bin; save models with ModelSerializer.writeModel");
            }
        } catch (ZipException e) {
            throw new BadInputException("model file " + file + " is not a readable zip (" + e.getMessage()
                    + "); it is corrupt or truncated, so save the model again");
        } catch (IOException e) {
            throw new BadInputException("cannot read model file " + file + ": " + e.getMessage());
        }
        try {
            return ModelSerializer.restoreMultiLayerNetwork(file.toFile(), true);
        } catch (IOException | RuntimeException e) {
            throw new BadInputException("model file " + file + " could not be restored as a DL4J MultiLayerNetwork ("
                    + rootMessage(e) + "); it is corrupt, or was written for a ComputationGraph or another DL4J version");
        }
    }

    /** Writes through a temporary file and a rename, so a reader never sees half a model. */
    public static void save(MultiLayerNetwork net, Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            var tmp = file.resolveSibling(file.getFileName() + ".tmp");
            ModelSerializer.writeModel(net, tmp.toFile(), true);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write model to " + file + ": " + e.getMessage(), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
