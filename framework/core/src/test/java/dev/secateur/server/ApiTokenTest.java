package dev.secateur.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokenTest {

    @TempDir
    Path dir;

    @Test
    void eachServerGetsItsOwnTokenAndOnlyABearerHeaderWithItPasses() {
        var token = ApiToken.generate();
        assertThat(token.value()).hasSize(64).isNotEqualTo(ApiToken.generate().value());
        assertThat(token.accepts("Bearer " + token.value())).isTrue();
        assertThat(token.accepts("bearer " + token.value())).as("the scheme is case-insensitive").isTrue();
        assertThat(token.accepts(null)).isFalse();
        assertThat(token.accepts("")).isFalse();
        assertThat(token.accepts(token.value())).as("no scheme").isFalse();
        assertThat(token.accepts("Basic " + token.value())).isFalse();
        assertThat(token.accepts("Bearer " + token.value().substring(1))).isFalse();
        assertThat(token.accepts("Bearer " + token.value() + "0")).isFalse();
    }

    @Test
    void theFileIsReadableByItsUserOnlyAndReadsBack() throws IOException {
        var token = ApiToken.generate();
        var file = token.writeTo(dir.resolve("servers/local_8080.token"));
        assertThat(Files.getPosixFilePermissions(file))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(Files.getPosixFilePermissions(file.getParent())).doesNotContain(PosixFilePermission.GROUP_READ,
                PosixFilePermission.OTHERS_READ);
        assertThat(ApiToken.read(file)).isEqualTo(token.value());
        var next = ApiToken.generate();
        next.writeTo(file);
        assertThat(ApiToken.read(file)).as("a restarted server replaces it").isEqualTo(next.value());
    }
}
