package dev.secateur.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.data.NpyFile.NpyArray;
import dev.secateur.errors.BadInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NpyFileTest {

    @TempDir
    Path dir;

    /** The preamble and header as numpy.save writes them: padded with spaces to 64 bytes, ending in a newline. */
    static byte[] npy(int major, String dict, byte[] body) {
        int lengthBytes = major == 1 ? 2 : 4;
        int unpadded = 8 + lengthBytes + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        byte[] text = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        var out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        var length = ByteBuffer.allocate(lengthBytes).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            length.putShort((short) text.length);
        } else {
            length.putInt(text.length);
        }
        out.writeBytes(length.array());
        out.writeBytes(text);
        out.writeBytes(body);
        return out.toByteArray();
    }

    static String dict(String descr, boolean fortran, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
    }

    static ByteBuffer buffer(int bytes, ByteOrder order) {
        return ByteBuffer.allocate(bytes).order(order);
    }

    Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void readsUint8ImagesOfShapeNx1x8x8() throws IOException {
        byte[] body = new byte[100 * 64];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 7);
        }
        var file = write("x.npy", npy(1, dict("|u1", false, "(100, 1, 8, 8)"), body));
        NpyArray a = NpyFile.read(file);
        assertThat(a.source()).isEqualTo(file.toString());
        assertThat(a.shape()).containsExactly(100, 1, 8, 8);
        assertThat(a.dtype()).isEqualTo("|u1");
        assertThat(a.count()).isEqualTo(6400);
        assertThat(a.uint8()).isEqualTo(body);
        assertThat(a.floats()).isNull();
        assertThat(a.integers()).isNull();
    }

    @Test
    void readsVersion2And3HeadersWithLittleEndianFloats() throws IOException {
        var body = buffer(6 * 4, ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) {
            body.putFloat(i * 0.5f - 1);
        }
        float[] expected = {-1, -0.5f, 0, 0.5f, 1, 1.5f};
        for (int major : new int[] {2, 3}) {
            var a = NpyFile.read(write("v" + major + ".npy", npy(major, dict("<f4", false, "(2, 3)"), body.array())));
            assertThat(a.shape()).containsExactly(2, 3);
            assertThat(a.floats()).containsExactly(expected);
        }
    }

    @Test
    void readsBigEndianFloatsAndIntegers() throws IOException {
        var f4 = buffer(8, ByteOrder.BIG_ENDIAN).putFloat(3.25f).putFloat(-7f);
        var f8 = buffer(16, ByteOrder.BIG_ENDIAN).putDouble(0.1).putDouble(1e300);
        var i4 = buffer(8, ByteOrder.BIG_ENDIAN).putInt(-5).putInt(123456789);
        var u2 = buffer(4, ByteOrder.BIG_ENDIAN).putShort((short) 0xffff).putShort((short) 2);
        assertThat(NpyFile.read(write("f4", npy(1, dict(">f4", false, "(2,)"), f4.array()))).floats())
                .containsExactly(3.25f, -7f);
        assertThat(NpyFile.read(write("f8", npy(1, dict(">f8", false, "(2,)"), f8.array()))).floats())
                .containsExactly(0.1f, Float.POSITIVE_INFINITY);
        assertThat(NpyFile.read(write("i4", npy(1, dict(">i4", false, "(2,)"), i4.array()))).integers())
                .containsExactly(-5, 123456789);
        assertThat(NpyFile.read(write("u2", npy(1, dict(">u2", false, "(2,)"), u2.array()))).integers())
                .containsExactly(65535, 2);
    }

    @Test
    void readsEveryIntegerWidthWithItsSign() throws IOException {
        byte[] ones = new byte[8];
        Arrays.fill(ones, (byte) 0xff);
        record Case(String descr, long value) {
        }
        for (var c : List.of(new Case("|i1", -1), new Case("i1", -1), new Case("|u1", -1), new Case("<i2", -1),
                new Case("<u2", 0xffff), new Case("<i4", -1), new Case("<u4", 0xffffffffL), new Case("<i8", -1))) {
            int size = c.descr.charAt(c.descr.length() - 1) - '0';
            var a = NpyFile.read(write("w.npy", npy(1, dict(c.descr, false, "(1,)"), Arrays.copyOf(ones, size))));
            if (a.uint8() != null) {
                assertThat(a.uint8()).containsExactly((byte) 0xff);
            } else {
                assertThat(a.integers()).as(c.descr).containsExactly(c.value);
            }
        }
        var u8 = buffer(8, ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE);
        assertThat(NpyFile.read(write("u8.npy", npy(1, dict("<u8", false, "(1,)"), u8.array()))).integers())
                .containsExactly(Long.MAX_VALUE);
        assertThat(NpyFile.read(write("u1.npy", npy(1, dict("<u1", false, "(1,)"), new byte[] {9}))).uint8())
                .containsExactly(9);
    }

    @Test
    void readsInt64AndFloat64() throws IOException {
        var i8 = buffer(24, ByteOrder.LITTLE_ENDIAN).putLong(Long.MIN_VALUE).putLong(0).putLong(1L << 40);
        var a = NpyFile.read(write("i8.npy", npy(1, dict("<i8", false, "(3,)"), i8.array())));
        assertThat(a.integers()).containsExactly(Long.MIN_VALUE, 0, 1L << 40);
        var f8 = buffer(16, ByteOrder.LITTLE_ENDIAN).putDouble(Math.PI).putDouble(-2.5);
        var b = NpyFile.read(write("f8.npy", npy(1, dict("<f8", false, "(2, 1)"), f8.array())));
        assertThat(b.dtype()).isEqualTo("<f8");
        assertThat(b.floats()).containsExactly((float) Math.PI, -2.5f);
    }

    @Test
    void readsBoolAsZeroAndOne() throws IOException {
        var a = NpyFile.read(write("b.npy", npy(1, dict("|b1", false, "(4,)"), new byte[] {1, 0, 0, 1})));
        assertThat(a.integers()).containsExactly(1, 0, 0, 1);
    }

    @Test
    void transposesFortranOrderIn2D() throws IOException {
        // [[1, 2, 3], [4, 5, 6]] stored column by column
        var body = buffer(24, ByteOrder.LITTLE_ENDIAN);
        for (float v : new float[] {1, 4, 2, 5, 3, 6}) {
            body.putFloat(v);
        }
        var a = NpyFile.read(write("f.npy", npy(1, dict("<f4", true, "(2, 3)"), body.array())));
        assertThat(a.shape()).containsExactly(2, 3);
        assertThat(a.floats()).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void transposesFortranOrderIn3D() throws IOException {
        // element [i][j][k] = 100i + 10j + k of shape (2, 3, 4); Fortran order runs i fastest, then j, then k
        var body = buffer(24 * 8, ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < 4; k++) {
            for (int j = 0; j < 3; j++) {
                for (int i = 0; i < 2; i++) {
                    body.putLong(100 * i + 10 * j + k);
                }
            }
        }
        var a = NpyFile.read(write("f3.npy", npy(1, dict("<i8", true, "(2, 3, 4)"), body.array())));
        long[] expected = new long[24];
        for (int i = 0, c = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    expected[c++] = 100 * i + 10 * j + k;
                }
            }
        }
        assertThat(a.integers()).containsExactly(expected);
        byte[] bytes = {0, 2, 4, 1, 3, 5}; // [[0, 1], [2, 3], [4, 5]] in Fortran order
        assertThat(NpyFile.read(write("fu.npy", npy(1, dict("|u1", true, "(3, 2)"), bytes))).uint8())
                .containsExactly(0, 1, 2, 3, 4, 5);
    }

    @Test
    void parsesScalarsOldLongsAndOtherSpellings() throws IOException {
        var scalar = NpyFile.read(write("s.npy", npy(1, dict("<f4", false, "()"),
                buffer(4, ByteOrder.LITTLE_ENDIAN).putFloat(2f).array())));
        assertThat(scalar.shape()).isEmpty();
        assertThat(scalar.count()).isEqualTo(1);
        assertThat(scalar.floats()).containsExactly(2f);
        var old = NpyFile.read(write("l.npy", npy(1, "{\"shape\": (2L, 1L), \"fortran_order\": False, \"descr\": \"|u1\"}",
                new byte[] {5, 6})));
        assertThat(old.shape()).containsExactly(2, 1);
        var empty = NpyFile.read(write("e.npy", npy(1, dict("<f4", false, "(0, 5)"), new byte[0])));
        assertThat(empty.count()).isZero();
        assertThat(empty.floats()).isEmpty();
    }

    @Test
    void readsALargeUint8ArrayQuickly() {
        int n = 50_000;
        int width = 3_072;
        byte[] header = npy(1, dict("|u1", false, "(" + n + ", " + width + ")"), new byte[0]);
        InputStream body = new InputStream() {
            long left = (long) n * width;

            @Override
            public int read() {
                return left-- > 0 ? 1 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                int k = (int) Math.min(len, left);
                Arrays.fill(b, off, off + k, (byte) 1);
                left -= k;
                return k;
            }
        };
        // read in bulk; its speed is for a benchmark, not a timed assertion here
        var a = NpyFile.read(new SequenceInputStream(new ByteArrayInputStream(header), body), "big");
        assertThat(a.uint8()).hasSize(n * width);
        assertThat(a.uint8()[n * width - 1]).isEqualTo((byte) 1);
    }

    @Test
    void refusesWhatIsNotNpy() throws IOException {
        assertThatThrownBy(() -> NpyFile.read(write("t.npy", "hello, world".getBytes(StandardCharsets.US_ASCII))))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("t.npy is not a .npy file").hasMessageContaining("68 65 6c").hasMessageContaining("numpy.save");
        assertThatThrownBy(() -> NpyFile.read(write("z.npy", new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0})))
                .hasMessageContaining("zip archive").hasMessageContaining(".npz");
        assertThatThrownBy(() -> NpyFile.read(write("0.npy", new byte[0]))).hasMessageContaining("is empty");
        assertThatThrownBy(() -> NpyFile.read(dir.resolve("missing.npy")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("missing.npy does not exist");
        byte[] v9 = npy(1, dict("<f4", false, "(1,)"), new byte[4]);
        v9[6] = 9;
        assertThatThrownBy(() -> NpyFile.read(write("v9.npy", v9))).hasMessageContaining("format version 9.0")
                .hasMessageContaining("1.0, 2.0 and 3.0");
    }

    @Test
    void reportsTruncatedHeaders() throws IOException {
        byte[] whole = npy(1, dict("<f4", false, "(1,)"), new byte[4]);
        assertThatThrownBy(() -> NpyFile.read(write("a.npy", Arrays.copyOf(whole, 7))))
                .isInstanceOf(BadInputException.class).hasMessageContaining("truncated in its version");
        assertThatThrownBy(() -> NpyFile.read(write("b.npy", Arrays.copyOf(whole, 9))))
                .hasMessageContaining("truncated in its header length at byte 8: 2 bytes expected, 1 found");
        assertThatThrownBy(() -> NpyFile.read(write("c.npy", Arrays.copyOf(whole, 30))))
                .hasMessageContaining("c.npy is truncated in its header dict at byte 10: 118 bytes expected, 20 found");
    }

    @Test
    void reportsTruncatedBodiesWithByteCounts() throws IOException {
        byte[] whole = npy(1, dict("<f4", false, "(10, 3)"), new byte[120]);
        assertThatThrownBy(() -> NpyFile.read(write("f.npy", Arrays.copyOf(whole, whole.length - 10))))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("f.npy is truncated: its header promises shape (10, 3) of '<f4', 120 bytes from byte 128, "
                        + "but only 110 bytes follow");
        byte[] bytes = npy(1, dict("|u1", false, "(5,)"), new byte[3]);
        assertThatThrownBy(() -> NpyFile.read(write("u.npy", bytes)))
                .hasMessageContaining("shape (5,) of '|u1', 5 bytes from byte 128, but only 3 bytes follow");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{'descr': '<f4' 'shape': (1,), 'fortran_order': False}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), ", "['descr', '<f4']",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1 2)}", "{'descr': '<f4}",
        "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,)}", "{'descr': '<f4'} trailing"})
    void refusesMalformedHeaderDicts(String header) throws IOException {
        var file = write("m.npy", npy(1, header, new byte[4]));
        assertThatThrownBy(() -> NpyFile.read(file)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("m.npy has a malformed header: at character").hasMessageContaining("save it again");
    }

    @Test
    void refusesMissingKeysAndBadValues() throws IOException {
        assertThatThrownBy(() -> NpyFile.read(write("k.npy", npy(1, "{'descr': '<f4', 'shape': (1,)}", new byte[4]))))
                .hasMessageContaining("k.npy has no 'fortran_order' in its header");
        assertThatThrownBy(() -> NpyFile.read(write("o.npy", npy(1, "{'descr': '<f4', 'fortran_order': 1, 'shape': (1,)}",
                new byte[4])))).hasMessageContaining("fortran_order 1").hasMessageContaining("True or False");
        assertThatThrownBy(() -> NpyFile.read(write("s.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': 3}",
                new byte[4])))).hasMessageContaining("shape 3").hasMessageContaining("tuple of sizes");
    }

    @Test
    void refusesNegativeAndOverflowingShapes() throws IOException {
        assertThatThrownBy(() -> NpyFile.read(write("n.npy", npy(1, dict("<f4", false, "(3, -1)"), new byte[0]))))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("n.npy has size -1 in dimension 1 of its shape (3, -1)");
        assertThatThrownBy(() -> NpyFile.read(write("o.npy", npy(1, dict("|u1", false, "(65536, 65536)"), new byte[0]))))
                .hasMessageContaining("o.npy has shape (65536, 65536), more than the 2,147,483,639 elements");
        assertThatThrownBy(() -> NpyFile.read(write("h.npy", npy(1, dict("|u1", false, "(99999999999999999999,)"),
                new byte[0])))).hasMessageContaining("a number that fits in 64 bits");
        assertThatThrownBy(() -> NpyFile.read(write("r.npy", npy(1, dict("|u1", false, "(1, 1, 3000000000)"),
                new byte[0])))).hasMessageContaining("more than the 2,147,483,639 elements");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<c8", "|O", "<U10", "|S5", "<M8[ns]", "<f2", "<V8"})
    void refusesUnsupportedDtypesWithTheConversion(String descr) throws IOException {
        var file = write("d.npy", npy(1, dict(descr, false, "(1,)"), new byte[16]));
        assertThatThrownBy(() -> NpyFile.read(file)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("d.npy has dtype '" + descr + "'")
                .hasMessageContaining("Secateur reads uint8 (u1), bool (b1)")
                .hasMessageContaining("x.astype('float32')");
    }

    @Test
    void refusesStructuredDtypesAndUnsignedBeyondLong() throws IOException {
        var file = write("r.npy", npy(1, "{'descr': [('a', '<f4'), ('b', '<i4', (2,))], 'fortran_order': False, "
                + "'shape': (1,), }", new byte[12]));
        assertThatThrownBy(() -> NpyFile.read(file)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("r.npy has the structured dtype").hasMessageContaining("x['field'].astype('float32')");
        var u8 = buffer(16, ByteOrder.LITTLE_ENDIAN).putLong(1).putLong(-1);
        assertThatThrownBy(() -> NpyFile.read(write("u8.npy", npy(1, dict("<u8", false, "(2,)"), u8.array()))))
                .hasMessageContaining("holds 18446744073709551615 at element 1");
    }

    static boolean numpyAvailable() {
        try {
            var p = new ProcessBuilder("/usr/bin/python3", "-c", "import numpy").redirectErrorStream(true).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static void python(Path dir, String script) throws IOException, InterruptedException {
        var p = new ProcessBuilder("/usr/bin/python3", "-c", script).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    @Test
    void agreesWithNumpysOwnWriter() throws Exception {
        Assumptions.assumeTrue(numpyAvailable(), "/usr/bin/python3 with numpy is not installed");
        python(dir, """
                import numpy as np
                from numpy.lib import format
                np.save('u1.npy', (np.arange(100 * 64) % 251).astype(np.uint8).reshape(100, 1, 8, 8))
                np.save('f4f.npy', np.asfortranarray(np.arange(12, dtype='<f4').reshape(3, 4) / 4))
                np.save('i8f.npy', np.asfortranarray(np.arange(24, dtype='<i8').reshape(2, 3, 4) - 5))
                np.save('i2b.npy', np.array([-3, 300, 32767], dtype='>i2'))
                np.save('f8b.npy', np.array([[0.5, -1.25]], dtype='>f8'))
                np.save('bool.npy', np.array([True, False, True]))
                np.save('scalar.npy', np.float32(7.5))
                with open('v2.npy', 'wb') as f:
                    format.write_array(f, np.arange(6, dtype='<u4').reshape(2, 3), version=(2, 0))
                with open('v3.npy', 'wb') as f:
                    format.write_array(f, np.arange(6, dtype='<u2').reshape(3, 2), version=(3, 0))
                """);
        var u1 = NpyFile.read(dir.resolve("u1.npy"));
        assertThat(u1.shape()).containsExactly(100, 1, 8, 8);
        assertThat(u1.uint8()[6399] & 0xff).isEqualTo(6399 % 251);
        assertThat(NpyFile.read(dir.resolve("f4f.npy")).floats())
                .containsExactly(0, 0.25f, 0.5f, 0.75f, 1, 1.25f, 1.5f, 1.75f, 2, 2.25f, 2.5f, 2.75f);
        long[] expected = new long[24];
        Arrays.setAll(expected, i -> i - 5);
        assertThat(NpyFile.read(dir.resolve("i8f.npy")).integers()).containsExactly(expected);
        assertThat(NpyFile.read(dir.resolve("i2b.npy")).integers()).containsExactly(-3, 300, 32767);
        assertThat(NpyFile.read(dir.resolve("f8b.npy")).floats()).containsExactly(0.5f, -1.25f);
        assertThat(NpyFile.read(dir.resolve("bool.npy")).integers()).containsExactly(1, 0, 1);
        var scalar = NpyFile.read(dir.resolve("scalar.npy"));
        assertThat(scalar.shape()).isEmpty();
        assertThat(scalar.floats()).containsExactly(7.5f);
        assertThat(NpyFile.read(dir.resolve("v2.npy")).integers()).containsExactly(0, 1, 2, 3, 4, 5);
        var v3 = NpyFile.read(dir.resolve("v3.npy"));
        assertThat(v3.shape()).containsExactly(3, 2);
        assertThat(v3.integers()).containsExactly(0, 1, 2, 3, 4, 5);
    }
}
