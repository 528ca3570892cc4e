package dev.secateur.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.eventbus.DeliveryOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clustered event bus under TLS with client certificates (on by itself off loopback; here forced on loopback):
 * two members holding the secret's key pair talk, and a member whose bus speaks plain TCP reaches neither.
 */
class BusTlsTest {

    @TempDir
    Path dir;

    @Test
    void membersWithTheKeyPairTalkOverTlsAndAPlainBusIsNotHeard() throws Exception {
        var secret = dir.resolve("secret/cluster.secret");
        ClusterSecret.loadOrCreate(secret);
        var settings = new ClusterSettings(null, "tls-" + UUID.randomUUID().toString().substring(0, 8), List.of(), null, secret);
        System.setProperty("secateur.cluster.tls", "true");
        ClusterNode a;
        ClusterNode b;
        try {
            a = ClusterNode.join(settings);
            b = ClusterNode.join(settings);
        } finally {
            System.clearProperty("secateur.cluster.tls");
        }
        try (a; b; var plain = ClusterNode.join(settings)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret.resolveSibling("cluster-key.pem"))))
                    .isEqualTo("rw-------");
            a.vertx().eventBus().<String>consumer("test.echo", message -> message.reply("echo " + message.body())).completion()
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            String answer = b.vertx().eventBus().<String>request("test.echo", "over tls").map(m -> m.body())
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(answer).isEqualTo("echo over tls");

            assertThat(plain.members()).contains(a.nodeId()); // the same secret joins Hazelcast, but its bus is plain
            assertThatThrownBy(() -> plain.vertx().eventBus().request("test.echo", "in clear", new DeliveryOptions().setSendTimeout(5000))
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class); // the handshake fails, so no answer ever comes
        }
    }
}
