package dev.secateur.cluster;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.DataSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoriesTest {

    @TempDir
    Path dir;

    private static DataSpec.Source at(Path path) {
        return new DataSpec.Directory(path, DataSpec.Family.FASHION_MNIST);
    }

    @Test
    void aWorkerReadsOnlyBelowItsDataDirectoriesWhateverThePathSays() throws Exception {
        var allowed = Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(allowed.resolve("fashion"));
        var outside = Files.createDirectories(dir.resolve("private"));
        var dirs = new DataDirectories(List.of(allowed));

        assertThatCode(() -> dirs.check(at(allowed.resolve("fashion")))).doesNotThrowAnyException();
        assertThatCode(() -> dirs.check(new DataSpec.Embedded())).doesNotThrowAnyException();
        assertThatThrownBy(() -> dirs.check(at(outside))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("data directory " + outside).hasMessageContaining("--data-dir " + outside);
        assertThatThrownBy(() -> dirs.check(at(allowed.resolve("../private")))).hasMessageContaining("outside this worker's");
        var link = Files.createSymbolicLink(allowed.resolve("link"), outside);
        assertThatThrownBy(() -> dirs.check(at(link))).hasMessageContaining("outside this worker's");
        assertThatThrownBy(() -> dirs.check(at(Path.of("/etc")))).hasMessageContaining("data directory /etc");
    }

    @Test
    void everyFileOfAnArraySourceOrTableMustBeBelowTheDataDirectories() throws Exception {
        var allowed = Files.createDirectories(dir.resolve("data"));
        var outside = Files.createDirectories(dir.resolve("private"));
        var dirs = new DataDirectories(List.of(allowed));
        var x = Files.writeString(allowed.resolve("x.npy"), "");
        var y = Files.writeString(allowed.resolve("y.npy"), "");
        var secret = Files.writeString(outside.resolve("y.npy"), "");
        assertThatCode(() -> dirs.check(new DataSpec.Npy(x, y, null, null, DataSpec.Layout.NCHW))).doesNotThrowAnyException();
        assertThatThrownBy(() -> dirs.check(new DataSpec.Npy(x, y, x, secret, DataSpec.Layout.NCHW)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("data file " + secret)
                .hasMessageContaining("--data-dir " + outside);
        assertThatThrownBy(() -> dirs.check(new DataSpec.Csv(secret, "label", null))).hasMessageContaining("outside this worker's");
        assertThatThrownBy(() -> dirs.check(new DataSpec.ImageFolder(outside, 0, 0, 0))).hasMessageContaining("data directory " + outside);
    }
}
