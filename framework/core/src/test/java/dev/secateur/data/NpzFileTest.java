package dev.secateur.data;

import static dev.secateur.data.NpyFileTest.dict;
import static dev.secateur.data.NpyFileTest.npy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzFileTest {

    @TempDir
    Path dir;

    static void put(ZipOutputStream zip, String name, byte[] data, boolean stored) throws IOException {
        var entry = new ZipEntry(name);
        if (stored) {
            var crc = new CRC32();
            crc.update(data);
            entry.setMethod(ZipEntry.STORED);
            entry.setSize(data.length);
            entry.setCrc(crc.getValue());
        }
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }

    /** x_train (4, 1, 2, 2) uint8 stored, y_train (4,) int64 deflated, a README, x_test (2, 2) f4 deflated. */
    Path archive() throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(bytes)) {
            byte[] pixels = new byte[16];
            Arrays.fill(pixels, (byte) 200);
            put(zip, "x_train.npy", npy(1, dict("|u1", false, "(4, 1, 2, 2)"), pixels), true);
            var labels = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putLong(3).putLong(1).putLong(4).putLong(1);
            put(zip, "y_train.npy", npy(1, dict("<i8", false, "(4,)"), labels.array()), false);
            put(zip, "README.txt", "not an array".getBytes(), false);
            var test = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).putFloat(3).putFloat(4);
            put(zip, "x_test.npy", npy(1, dict("<f4", true, "(2, 2)"), test.array()), false);
        }
        return Files.write(dir.resolve("data.npz"), bytes.toByteArray());
    }

    @Test
    void readsStoredAndDeflatedEntriesInArchiveOrder() throws IOException {
        var file = archive();
        var arrays = NpzFile.read(file);
        assertThat(arrays).containsOnlyKeys("x_train", "y_train", "x_test");
        assertThat(arrays.keySet()).containsExactly("x_train", "y_train", "x_test");
        var x = arrays.get("x_train");
        assertThat(x.source()).isEqualTo(file + "[x_train]");
        assertThat(x.shape()).containsExactly(4, 1, 2, 2);
        assertThat(x.uint8()).hasSize(16).containsOnly((byte) 200);
        assertThat(arrays.get("y_train").integers()).containsExactly(3, 1, 4, 1);
        assertThat(arrays.get("x_test").floats()).containsExactly(1, 3, 2, 4);
    }

    @Test
    void readsOneArrayByName() throws IOException {
        var y = NpzFile.read(archive(), "y_train");
        assertThat(y.integers()).containsExactly(3, 1, 4, 1);
        assertThat(y.source()).endsWith("data.npz[y_train]");
    }

    @Test
    void namesTheArraysPresentWhenOneIsMissing() throws IOException {
        var file = archive();
        assertThatThrownBy(() -> NpzFile.read(file, "y_test")).isInstanceOf(BadInputException.class)
                .hasMessageContaining(".npz archive " + file + " has no array 'y_test'; it holds x_train, y_train, x_test");
    }

    @Test
    void refusesWhatIsNotAZip() throws IOException {
        var npy = Files.write(dir.resolve("single.npz"), npy(1, dict("<f4", false, "(1,)"), new byte[4]));
        assertThatThrownBy(() -> NpzFile.read(npy)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("single.npz is not an .npz archive: it is not a zip file")
                .hasMessageContaining("numpy.savez");
        assertThatThrownBy(() -> NpzFile.read(dir.resolve("missing.npz"), "x"))
                .hasMessageContaining("missing.npz does not exist");
        assertThatThrownBy(() -> NpzFile.read(dir)).hasMessageContaining("is not a regular file");
    }

    @Test
    void namesTheEntryOfABrokenArray() throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(bytes)) {
            byte[] whole = npy(1, dict("<f4", false, "(10,)"), new byte[40]);
            put(zip, "w.npy", Arrays.copyOf(whole, whole.length - 8), false);
        }
        var file = Files.write(dir.resolve("broken.npz"), bytes.toByteArray());
        assertThatThrownBy(() -> NpzFile.read(file)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("NumPy file " + file + "[w] is truncated").hasMessageContaining("only 32 bytes follow");
    }

    @Test
    void agreesWithNumpysSavezAndSavezCompressed() throws Exception {
        Assumptions.assumeTrue(NpyFileTest.numpyAvailable(), "/usr/bin/python3 with numpy is not installed");
        NpyFileTest.python(dir, """
                import numpy as np
                x = (np.arange(5 * 3 * 4) % 256).astype(np.uint8).reshape(5, 3, 4)
                y = np.array([9, 0, 3, 2, 7], dtype=np.int64)
                f = np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3))
                np.savez('plain.npz', x_train=x, y_train=y, f=f)
                np.savez_compressed('packed.npz', x_train=x, y_train=y, f=f)
                np.savez('unnamed.npz', y, x)
                """);
        for (String name : new String[] {"plain.npz", "packed.npz"}) {
            var arrays = NpzFile.read(dir.resolve(name));
            assertThat(arrays.keySet()).containsExactly("x_train", "y_train", "f");
            var x = arrays.get("x_train");
            assertThat(x.shape()).containsExactly(5, 3, 4);
            assertThat(x.uint8()[59]).isEqualTo((byte) 59);
            assertThat(arrays.get("y_train").integers()).containsExactly(9, 0, 3, 2, 7);
            assertThat(arrays.get("f").floats()).containsExactly(0, 1, 2, 3, 4, 5);
        }
        assertThat(NpzFile.read(dir.resolve("unnamed.npz"), "arr_0").integers()).containsExactly(9, 0, 3, 2, 7);
    }
}
