package dev.secateur.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {

    @TempDir
    Path dir;

    static byte[] images(int count, int rows, int cols) throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new DataOutputStream(bytes);
        out.writeInt(0x803);
        out.writeInt(count);
        out.writeInt(rows);
        out.writeInt(cols);
        for (int i = 0; i < count * rows * cols; i++) {
            out.writeByte(i % 256);
        }
        return bytes.toByteArray();
    }

    static byte[] labels(int... values) throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new DataOutputStream(bytes);
        out.writeInt(0x801);
        out.writeInt(values.length);
        for (int v : values) {
            out.writeByte(v);
        }
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (var out = new GZIPOutputStream(bytes)) {
            out.write(raw);
        }
        return bytes.toByteArray();
    }

    @Test
    void readsRawAndGzippedFilesAlike() throws IOException {
        var raw = Files.write(dir.resolve("raw"), images(3, 2, 2));
        var zipped = Files.write(dir.resolve("zipped.gz"), gzip(images(3, 2, 2)));
        var a = IdxFile.readImages(raw);
        var b = IdxFile.readImages(zipped);
        assertThat(a.count()).isEqualTo(3);
        assertThat(a.pixelsPerImage()).isEqualTo(4);
        assertThat(a.pixels()).isEqualTo(b.pixels()).startsWith(0, 1, 2, 3);
        assertThat(IdxFile.readLabels(Files.write(dir.resolve("l"), labels(4, 2, 9)))).containsExactly(4, 2, 9);
    }

    @Test
    void truncatedRawFileNamesTheFileAndTheMissingBytes() throws IOException {
        byte[] full = images(10, 28, 28);
        var file = Files.write(dir.resolve("train-images-idx3-ubyte"), Arrays.copyOf(full, full.length - 100));
        assertThatThrownBy(() -> IdxFile.readImages(file))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("truncated")
                .hasMessageContaining("7840 bytes")
                .hasMessageContaining("7740");
    }

    @Test
    void truncatedGzipIsReportedAsTruncated() throws IOException {
        byte[] zipped = gzip(images(50, 28, 28));
        var file = Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), Arrays.copyOf(zipped, zipped.length / 2));
        assertThatThrownBy(() -> IdxFile.readImages(file))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("truncated");
    }

    @Test
    void labelFileGivenAsImagesIsRefusedByItsMagicNumber() throws IOException {
        var file = Files.write(dir.resolve("labels"), labels(1, 2));
        assertThatThrownBy(() -> IdxFile.readImages(file))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("is not an image file")
                .hasMessageContaining("0x00000801");
    }

    @Test
    void emptyFileEndsInsideTheHeader() throws IOException {
        var file = Files.write(dir.resolve("empty"), new byte[0]);
        assertThatThrownBy(() -> IdxFile.readLabels(file)).hasMessageContaining("ends inside its header");
    }

    @Test
    void missingFileIsNamed() {
        assertThatThrownBy(() -> IdxFile.readImages(dir.resolve("nope")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("nope does not exist");
    }
}
