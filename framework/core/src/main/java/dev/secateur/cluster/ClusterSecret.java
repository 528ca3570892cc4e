package dev.secateur.cluster;

import dev.secateur.config.PrivateFiles;
import dev.secateur.errors.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret every member of one cluster shares: 32 random bytes, kept in a file only its user can read. The
 * Hazelcast cluster name is derived from it, and every job, reply, model shipment and worker entry carries an
 * HMAC-SHA256 made with it, so a JVM that knows Secateur's code but not this file neither joins nor is believed.
 */
public final class ClusterSecret {

    private static final String ALGORITHM = "HmacSHA256";
    private static final int BYTES = 32;

    private final byte[] key;
    private final Path file;

    private ClusterSecret(byte[] key, Path file) {
        this.key = key;
        this.file = file;
    }

    /** Where the secret lives unless {@code --cluster-secret} names a file: ~/.secateur/cluster.secret. */
    public static Path defaultFile() {
        return Path.of(System.getProperty("user.home"), ".secateur", "cluster.secret");
    }

    /** The secret in {@code file}, made there (0600) on first use; the default file, shared by this user's members. */
    public static ClusterSecret loadOrCreate(Path file) {
        if (!Files.exists(file)) {
            byte[] bytes = new byte[BYTES];
            new SecureRandom().nextBytes(bytes);
            // members started at once race to make it: one wins, and all read the winner's
            PrivateFiles.writeNew(file, HexFormat.of().formatHex(bytes) + "\n", "the cluster secret");
        }
        return load(file);
    }

    /** The secret in a file the user gave; refused when missing, short, or readable by other users. */
    public static ClusterSecret load(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                throw new BadInputException("--cluster-secret " + file + " does not exist; copy the file ~/.secateur/cluster.secret "
                        + "of the first member to every host (mode 0600), or leave the option out to use that file");
            }
            if (PrivateFiles.othersCanRead(file)) {
                throw new BadInputException("cluster secret " + file + " can be read or written by other users; "
                        + "run chmod 600 " + file);
            }
            String text = Files.readString(file, StandardCharsets.UTF_8).trim();
            byte[] key = text.getBytes(StandardCharsets.UTF_8);
            if (key.length < BYTES) {
                throw new BadInputException("cluster secret " + file + " holds " + key.length + " characters; give at least "
                        + BYTES + ", such as the output of: head -c 32 /dev/urandom | xxd -p -c 64");
            }
            return new ClusterSecret(key, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cluster secret " + file + ": " + e.getMessage(), e);
        }
    }

    /** Where this secret was read from, for messages. */
    public Path file() {
        return file;
    }

    /** HMAC-SHA256 of {@code text} under this secret, in hex. */
    public String mac(String text) {
        try {
            var mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("this JVM cannot compute " + ALGORITHM + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code given} is the MAC of {@code text}, compared in constant time. */
    public boolean verifies(String text, String given) {
        return given != null && MessageDigest.isEqual(mac(text).getBytes(StandardCharsets.US_ASCII),
                given.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * The name Hazelcast sees for the cluster the user called {@code name}: Hazelcast refuses a member whose
     * cluster name differs, so a member without the secret cannot derive it and never joins.
     */
    public String hazelcastName(String name) {
        return name + "-" + mac("hazelcast cluster name\n" + name).substring(0, 32);
    }
}
