package dev.secateur.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignaturesTest {

    @TempDir
    Path dir;

    @Test
    void aMessageSignedWithTheSecretOpensOnceForItsAddresseeAndNothingElseDoes() {
        var secret = ClusterSecret.loadOrCreate(dir.resolve("a/cluster.secret"));
        var sender = new Signatures(secret);
        var receiver = new Signatures(secret);
        var body = new JsonObject().put("type", "probe").put("ratio", 0.5);
        var sealed = sender.seal(Signatures.JOB, "worker-1", body);

        assertThat(receiver.open(sealed.copy(), Signatures.JOB, "worker-1")).isEqualTo(body);
        assertThatThrownBy(() -> receiver.open(sealed.copy(), Signatures.JOB, "worker-1")).hasMessageContaining("replayed");
        assertThatThrownBy(() -> receiver.open(sender.seal(Signatures.JOB, "worker-1", body), Signatures.JOB, "worker-2"))
                .hasMessageContaining("for worker-1 arrived as a job message for worker-2");
        assertThatThrownBy(() -> receiver.open(sender.seal(Signatures.JOB, "w", body), Signatures.REPLY, "w"))
                .isInstanceOf(Signatures.Refused.class);

        var tampered = sender.seal(Signatures.JOB, "worker-1", body);
        tampered.put("body", tampered.getString("body").replace("0.5", "0.9"));
        assertThatThrownBy(() -> receiver.open(tampered, Signatures.JOB, "worker-1")).hasMessageContaining("wrong signature");

        var moved = sender.seal(Signatures.JOB, "worker-1", body);
        moved.put("at", moved.getLong("at") + 1);
        assertThatThrownBy(() -> receiver.open(moved, Signatures.JOB, "worker-1")).hasMessageContaining("wrong signature");
        var stale = sender.seal(Signatures.JOB, "worker-1", body, System.currentTimeMillis() - Signatures.WINDOW.toMillis() - 1000);
        assertThatThrownBy(() -> receiver.open(stale, Signatures.JOB, "worker-1")).hasMessageContaining("outside the 5-minute window");

        var otherSecret = new Signatures(ClusterSecret.loadOrCreate(dir.resolve("b/cluster.secret")));
        assertThatThrownBy(() -> receiver.open(otherSecret.seal(Signatures.JOB, "worker-1", body), Signatures.JOB, "worker-1"))
                .hasMessageContaining("wrong signature");
        assertThatThrownBy(() -> receiver.open(body, Signatures.JOB, "worker-1")).hasMessageContaining("unsigned job message");
        assertThatThrownBy(() -> receiver.open("not json", Signatures.JOB, "worker-1")).hasMessageContaining("unsigned");
    }

    @Test
    void theSecretIsMadeOnceReadableByItsUserOnlyAndARevealedOneIsRefused() throws Exception {
        var file = dir.resolve("home/.secateur/cluster.secret");
        var first = ClusterSecret.loadOrCreate(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        assertThat(ClusterSecret.loadOrCreate(file).mac("x")).isEqualTo(first.mac("x"));
        assertThat(first.hazelcastName("secateur")).startsWith("secateur-").isNotEqualTo(
                ClusterSecret.loadOrCreate(dir.resolve("other.secret")).hazelcastName("secateur"));

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> ClusterSecret.load(file)).hasMessageContaining("can be read or written by other users")
                .hasMessageContaining("chmod 600 " + file);
        assertThatThrownBy(() -> ClusterSecret.load(dir.resolve("missing"))).hasMessageContaining("--cluster-secret")
                .hasMessageContaining("does not exist");
    }
}
