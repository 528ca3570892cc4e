package dev.secateur.cluster;

import dev.secateur.config.PrivateFiles;
import dev.secateur.errors.BadInputException;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * TLS for the clustered event bus, with client authentication: one key pair, kept 0600 beside the cluster
 * secret (cluster-key.pem, cluster-cert.pem), made on first use. Every member presents it and trusts only it,
 * so a connection to a member's bus port from anything that lacks the pair fails its handshake. Copy the two
 * files with the secret to every host.
 *
 * @param key  the private key, PEM
 * @param cert the self-signed certificate, PEM
 */
record BusTls(Path key, Path cert) {

    static BusTls of(ClusterSecret secret) {
        Path dir = secret.file().toAbsolutePath().getParent();
        var tls = new BusTls(dir.resolve("cluster-key.pem"), dir.resolve("cluster-cert.pem"));
        // members started at once take turns, so they all end up with the one pair the first one made
        try (var channel = FileChannel.open(dir.resolve(".cluster-tls.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             var lock = channel.lock()) {
            if (!Files.isRegularFile(tls.key()) || !Files.isRegularFile(tls.cert())) {
                tls.generate();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the cluster's TLS key pair beside " + tls.key() + ": " + e.getMessage(), e);
        }
        try {
            if (PrivateFiles.othersCanRead(tls.key())) {
                throw new BadInputException("the cluster's TLS key " + tls.key()
                        + " can be read or written by other users; run chmod 600 " + tls.key());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tls.key() + ": " + e.getMessage(), e);
        }
        return tls;
    }

    private void generate() {
        var made = SelfSignedCertificate.create("secateur-cluster");
        try {
            PrivateFiles.write(key, Files.readString(Path.of(made.privateKeyPath())), "the cluster's TLS key");
            PrivateFiles.write(cert, Files.readString(Path.of(made.certificatePath())), "the cluster's TLS certificate");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the cluster's new TLS key pair beside " + key + ": " + e.getMessage(), e);
        } finally {
            made.delete();
        }
    }

    void apply(EventBusOptions bus) {
        bus.setSsl(true).setClientAuth(ClientAuth.REQUIRED)
                .setKeyCertOptions(new PemKeyCertOptions().setKeyPath(key.toString()).setCertPath(cert.toString()))
                .setTrustOptions(new PemTrustOptions().addCertPath(cert.toString()));
    }
}
