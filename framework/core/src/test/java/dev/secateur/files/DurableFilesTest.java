package dev.secateur.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole-file replacement: the new content or the old, and no temporary file left either way. */
class DurableFilesTest {

    @TempDir
    Path dir;

    @Test
    void aWriteReplacesTheFileWholeAndLeavesNothingBeside() throws IOException {
        var file = dir.resolve("spec.json");
        Files.writeString(file, "old");
        DurableFiles.writeString(file, "new");
        assertThat(file).hasContent("new");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void aRewrittenFileHasThePermissionsAnyNewFileGetsNotThoseOfATemporaryFile() throws IOException {
        var plain = Files.writeString(dir.resolve("plain.txt"), "x");
        var file = dir.resolve("report.html");
        DurableFiles.writeString(file, "<p>");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Files.getPosixFilePermissions(plain));
    }

    @Test
    void aWriteThatFailsLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        var file = dir.resolve("spec.json");
        Files.writeString(file, "old");
        assertThatThrownBy(() -> DurableFiles.write(file, tmp -> {
            Files.writeString(tmp, "half");
            throw new IOException("disk full");
        })).isInstanceOf(UncheckedIOException.class).hasMessageContaining("cannot write " + file).hasMessageContaining("disk full");
        assertThat(file).hasContent("old");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }
}
