package dev.secateur.cluster;

import dev.secateur.files.Sha256;
import dev.secateur.model.Network;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.deeplearning4j.util.ModelSerializer;

/**
 * A model as it crosses JVMs: the DL4J zip's bytes and their SHA-256, which names it. A worker keeps what it
 * received by that name, so a model is shipped to each worker once, however many jobs use it.
 *
 * @param sha256 the hex SHA-256 of {@code bytes}
 */
public record ModelWire(String sha256, byte[] bytes) {

    /** The network's zip without its updater: probes and scores only run it forward. */
    public static ModelWire of(Network net) {
        return of(net, false);
    }

    /**
     * The network's zip, with its optimiser state when {@code updater}: probes that retrain start from the state the
     * coordinator's own retraining would start from.
     */
    public static ModelWire of(Network net, boolean updater) {
        var out = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(net.model(), out, updater);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise the model for the cluster: " + e.getMessage(), e);
        }
        return of(out.toByteArray());
    }

    /** A model file's bytes, as they are (a sweep's experiment that loads a model). */
    public static ModelWire of(byte[] bytes) {
        return new ModelWire(sha256(bytes), bytes);
    }

    static String sha256(byte[] bytes) {
        return Sha256.hex(bytes);
    }
}
