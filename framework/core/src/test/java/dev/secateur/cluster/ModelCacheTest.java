package dev.secateur.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCacheTest {

    @TempDir
    Path dir;

    @Test
    void modelsBeyondTheBoundEvictTheLeastRecentlyUsedAndTheirFiles() {
        var cache = new ModelCache(dir, 250);
        assertThat(cache.put("a".repeat(64), new byte[100])).isEmpty();
        assertThat(cache.put("b".repeat(64), new byte[100])).isEmpty();
        cache.get("a".repeat(64)); // a is used again, so b is now the least recently used

        assertThat(cache.put("c".repeat(64), new byte[100])).containsExactly("b".repeat(64));
        assertThat(cache.bytes()).isEqualTo(200);
        assertThat(dir.resolve("b".repeat(64) + ".zip")).doesNotExist();
        assertThat(cache.get("a".repeat(64))).exists();
        assertThatThrownBy(() -> cache.get("b".repeat(64))).hasMessageContaining(ModelCache.MISSING);

        // one model larger than the bound stays, alone
        assertThat(cache.put("d".repeat(64), new byte[300])).containsExactlyInAnyOrder("a".repeat(64), "c".repeat(64));
        assertThat(cache.bytes()).isEqualTo(300);
        assertThat(cache.holds("d".repeat(64))).isTrue();
    }
}
