package dev.secateur.model;

import dev.secateur.errors.BadInputException;
import dev.secateur.files.DurableFiles;
import dev.secateur.model.onnx.OnnxImporter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/** DL4J model zips: reading them with clear errors, and writing them atomically. */
public final class ModelFiles {

    static {
        NativeBackend.enableLayerHelpers(); // before any network of this class is built
    }

    private ModelFiles() {
    }

    /**
     * A model file, by its extension: an ONNX graph ({@code .onnx}), or a DL4J zip holding a MultiLayerNetwork or
     * a ComputationGraph with one input and one output.
     */
    public static Network load(Path file) {
        if (file.getFileName() != null && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            return OnnxImporter.load(file);
        }
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("model file " + file + " does not exist; give the path of a DL4J model zip "
                    + "written by ModelSerializer or by a previous run (runs/<run-id>/model-final.zip), or of an ONNX model (.onnx)");
        }
        boolean graph;
        try (var zip = new ZipFile(file.toFile())) {
            var configuration = zip.getEntry("configuration.json");
            if (configuration == null || zip.getEntry("coefficients.bin") == null) {
                throw new BadInputException("model file " + file + " is a zip but not a DL4J model: it lacks "
                        + "configuration.json or coefficients.bin; save models with ModelSerializer.writeModel");
            }
            try (var in = zip.getInputStream(configuration)) {
                // a graph's configuration lists vertices; a sequential one lists confs
                graph = new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("\"vertices\"");
            }
        } catch (ZipException e) {
            throw new BadInputException("model file " + file + " is not a readable zip (" + e.getMessage()
                    + "); it is corrupt or truncated, so save the model again");
        } catch (IOException e) {
            throw new BadInputException("cannot read model file " + file + ": " + e.getMessage());
        }
        try {
            return graph ? Network.of(ModelSerializer.restoreComputationGraph(file.toFile(), true))
                    : Network.of(ModelSerializer.restoreMultiLayerNetwork(file.toFile(), true));
        } catch (BadInputException e) {
            throw new BadInputException("model file " + file + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new BadInputException("model file " + file + " could not be restored as a DL4J "
                    + (graph ? "ComputationGraph" : "MultiLayerNetwork") + " (" + rootMessage(e)
                    + "); it is corrupt, or was written by another DL4J version");
        }
    }

    /** Writes through a temporary file and a rename, so a reader never sees half a model. */
    public static void save(MultiLayerNetwork net, Path file) {
        save(Network.of(net), file);
    }

    public static void save(Network net, Path file) {
        DurableFiles.write(file, tmp -> ModelSerializer.writeModel(net.model(), tmp.toFile(), true));
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
