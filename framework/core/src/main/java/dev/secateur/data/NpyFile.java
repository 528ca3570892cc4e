package dev.secateur.data;

import dev.secateur.errors.BadInputException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Reads NumPy's {@code .npy} format (versions 1.0, 2.0 and 3.0): numeric arrays of one dtype, in C or
 * Fortran order, returned in C order. Only the dtypes a data set plausibly holds are accepted; the rest
 * are refused with the conversion to make in NumPy.
 */
public final class NpyFile {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
    // the largest array most VMs will allocate
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    private static final int CHUNK = 1 << 16;
    static final String SUPPORTED = "uint8 (u1), bool (b1), integers (i1, i2, i4, i8, u2, u4, u8) and floats "
            + "(f4, f8), either byte order";

    private NpyFile() {
    }

    /**
     * One array in C (row-major) order. Exactly one of {@code uint8} (raw bytes of a u1 array),
     * {@code floats} (f4, and f8 narrowed) and {@code integers} (every integer dtype and bool as 0/1) is
     * set; {@code dtype} is the descr as written in the file.
     */
    public record NpyArray(String source, int[] shape, String dtype, byte[] uint8, float[] floats, long[] integers) {
        public NpyArray {
            int set = (uint8 != null ? 1 : 0) + (floats != null ? 1 : 0) + (integers != null ? 1 : 0);
            if (set != 1) {
                throw new IllegalArgumentException("exactly one of uint8, floats, integers must be set, not " + set);
            }
        }

        /** Number of elements: the product of the shape, 1 for a scalar of shape (). */
        public long count() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }
    }

    public static NpyArray read(Path file) {
        try (var in = new BufferedInputStream(Files.newInputStream(file), CHUNK)) {
            return read(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new BadInputException(".npy file " + file + " does not exist; check the path");
        } catch (IOException e) {
            throw unreadable(file.toString(), e);
        }
    }

    /** Reads one array from the stream, which it leaves open (an .npz entry, for one). */
    public static NpyArray read(InputStream raw, String source) {
        var in = raw instanceof BufferedInputStream ? raw : new BufferedInputStream(raw, CHUNK);
        try {
            return readArray(in, source);
        } catch (IOException e) {
            throw unreadable(source, e);
        }
    }

    private static NpyArray readArray(InputStream in, String source) throws IOException {
        byte[] preamble = in.readNBytes(8);
        if (!startsWith(preamble, MAGIC)) {
            throw notNpy(source, preamble);
        }
        if (preamble.length < 8) {
            throw truncatedHeader(source, "its version at byte 6", 2, preamble.length - 6);
        }
        int major = preamble[6] & 0xff;
        int minor = preamble[7] & 0xff;
        if (major < 1 || major > 3) {
            throw new BadInputException("NumPy file " + source + " has format version " + major + "." + minor
                    + " at byte 6; Secateur reads versions 1.0, 2.0 and 3.0, so save it again with numpy.save");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        byte[] lengthField = in.readNBytes(lengthBytes);
        if (lengthField.length < lengthBytes) {
            throw truncatedHeader(source, "its header length at byte 8", lengthBytes, lengthField.length);
        }
        long headerLength = major == 1
                ? ByteBuffer.wrap(lengthField).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffffL
                : ByteBuffer.wrap(lengthField).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
        if (headerLength > 16 << 20) {
            throw new BadInputException("NumPy file " + source + " claims a header of " + grouped(headerLength)
                    + " bytes at byte 8; the file is damaged, so save it again");
        }
        byte[] headerBytes = in.readNBytes((int) headerLength);
        if (headerBytes.length < headerLength) {
            throw truncatedHeader(source, "its header dict at byte " + (8 + lengthBytes), headerLength, headerBytes.length);
        }
        // version 3.0 exists only to allow UTF-8 field names; the earlier ones are latin-1
        String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyHeader h = NpyHeader.parse(header, source);
        Dtype dtype = Dtype.parse(h.descr(), source);
        long bodyOffset = 8 + lengthBytes + headerLength;
        NpyArray array = body(in, source, h.shape(), h.descr(), dtype, bodyOffset);
        return h.fortranOrder() ? toCOrder(array) : array;
    }

    private enum Kind { UINT8, BOOL, SIGNED, UNSIGNED, FLOAT }

    private record Dtype(Kind kind, int size, ByteOrder order) {

        static Dtype parse(String descr, String source) {
            String d = descr;
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            if (!d.isEmpty() && "<>|=".indexOf(d.charAt(0)) >= 0) {
                order = switch (d.charAt(0)) {
                    case '>' -> ByteOrder.BIG_ENDIAN;
                    case '=' -> ByteOrder.nativeOrder();
                    default -> ByteOrder.LITTLE_ENDIAN;
                };
                d = d.substring(1);
            }
            Dtype dtype = switch (d) {
                case "u1" -> new Dtype(Kind.UINT8, 1, order);
                case "b1" -> new Dtype(Kind.BOOL, 1, order);
                case "i1", "i2", "i4", "i8" -> new Dtype(Kind.SIGNED, d.charAt(1) - '0', order);
                case "u2", "u4", "u8" -> new Dtype(Kind.UNSIGNED, d.charAt(1) - '0', order);
                case "f4", "f8" -> new Dtype(Kind.FLOAT, d.charAt(1) - '0', order);
                default -> null;
            };
            if (dtype == null) {
                throw new BadInputException("NumPy file " + source + " has dtype '" + descr + "'" + describe(d)
                        + "; Secateur reads " + SUPPORTED + ", so convert it in NumPy first, e.g. "
                        + "np.save(path, x.astype('float32')) (or 'uint8' for images, 'int64' for labels)");
            }
            return dtype;
        }

        private static String describe(String d) {
            if (d.startsWith("c")) {
                return " (complex)";
            } else if (d.startsWith("O")) {
                return " (Python objects)";
            } else if (d.startsWith("U") || d.startsWith("S") || d.startsWith("a")) {
                return " (strings)";
            } else if (d.startsWith("M") || d.startsWith("m")) {
                return " (dates or times)";
            } else if (d.equals("f2")) {
                return " (half precision)";
            }
            return "";
        }
    }

    private static NpyArray body(InputStream in, String source, int[] shape, String descr, Dtype dtype, long offset)
            throws IOException {
        int count = (int) product(shape);
        long expected = (long) count * dtype.size;
        byte[] uint8 = null;
        float[] floats = null;
        long[] integers = null;
        if (dtype.kind == Kind.UINT8) {
            uint8 = new byte[count];
            int read = readFully(in, uint8, 0, count);
            if (read < count) {
                throw truncatedBody(source, shape, descr, expected, read, offset);
            }
            return new NpyArray(source, shape, descr, uint8, null, null);
        }
        if (dtype.kind == Kind.FLOAT) {
            floats = new float[count];
        } else {
            integers = new long[count];
        }
        int perChunk = CHUNK / dtype.size;
        byte[] chunk = new byte[perChunk * dtype.size];
        long found = 0;
        for (int done = 0; done < count; ) {
            int n = Math.min(perChunk, count - done);
            int bytes = n * dtype.size;
            int read = readFully(in, chunk, 0, bytes);
            found += read;
            if (read < bytes) {
                throw truncatedBody(source, shape, descr, expected, found, offset);
            }
            var buffer = ByteBuffer.wrap(chunk, 0, bytes).order(dtype.order);
            switch (dtype.kind) {
                case FLOAT -> {
                    if (dtype.size == 4) {
                        buffer.asFloatBuffer().get(floats, done, n);
                    } else {
                        var doubles = buffer.asDoubleBuffer();
                        for (int i = 0; i < n; i++) {
                            floats[done + i] = (float) doubles.get(i);
                        }
                    }
                }
                case BOOL -> {
                    for (int i = 0; i < n; i++) {
                        integers[done + i] = chunk[i] != 0 ? 1 : 0;
                    }
                }
                default -> decodeIntegers(buffer, dtype, integers, done, n, source);
            }
            done += n;
        }
        return new NpyArray(source, shape, descr, null, floats, integers);
    }

    private static void decodeIntegers(ByteBuffer buffer, Dtype dtype, long[] out, int at, int n, String source) {
        boolean signed = dtype.kind == Kind.SIGNED;
        switch (dtype.size) {
            case 1 -> {
                for (int i = 0; i < n; i++) {
                    byte b = buffer.get(i);
                    out[at + i] = signed ? b : b & 0xff;
                }
            }
            case 2 -> {
                var shorts = buffer.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    short s = shorts.get(i);
                    out[at + i] = signed ? s : s & 0xffff;
                }
            }
            case 4 -> {
                var ints = buffer.asIntBuffer();
                for (int i = 0; i < n; i++) {
                    int v = ints.get(i);
                    out[at + i] = signed ? v : v & 0xffffffffL;
                }
            }
            default -> {
                buffer.asLongBuffer().get(out, at, n);
                if (!signed) {
                    for (int i = at; i < at + n; i++) {
                        // u8 above 2^63 - 1 would come back negative
                        if (out[i] < 0) {
                            throw new BadInputException("NumPy file " + source + " holds " + Long.toUnsignedString(out[i])
                                    + " at element " + i + ", beyond the largest signed 64-bit integer; convert it in NumPy, "
                                    + "e.g. np.save(path, x.astype('float32'))");
                        }
                    }
                }
            }
        }
    }

    /** A Fortran-order array is the C-order array of the reversed shape; this transposes it back. */
    private static NpyArray toCOrder(NpyArray a) {
        int[] shape = a.shape();
        int big = 0;
        for (int d : shape) {
            big += d > 1 ? 1 : 0;
        }
        if (big <= 1) {
            return a; // with at most one axis longer than 1 both orders are the same
        }
        int[] from = fortranIndex(shape);
        if (a.uint8() != null) {
            byte[] src = a.uint8();
            byte[] dst = new byte[src.length];
            for (int i = 0; i < dst.length; i++) {
                dst[i] = src[from[i]];
            }
            return new NpyArray(a.source(), shape, a.dtype(), dst, null, null);
        } else if (a.floats() != null) {
            float[] src = a.floats();
            float[] dst = new float[src.length];
            for (int i = 0; i < dst.length; i++) {
                dst[i] = src[from[i]];
            }
            return new NpyArray(a.source(), shape, a.dtype(), null, dst, null);
        }
        long[] src = a.integers();
        long[] dst = new long[src.length];
        for (int i = 0; i < dst.length; i++) {
            dst[i] = src[from[i]];
        }
        return new NpyArray(a.source(), shape, a.dtype(), null, null, dst);
    }

    /** For each element in C order, its position in Fortran order; an odometer over the C index. */
    private static int[] fortranIndex(int[] shape) {
        int rank = shape.length;
        int[] stride = new int[rank];
        int s = 1;
        for (int k = 0; k < rank; k++) {
            stride[k] = s;
            s *= shape[k];
        }
        int[] from = new int[s];
        int[] index = new int[rank];
        int offset = 0;
        for (int c = 0; c < s; c++) {
            from[c] = offset;
            for (int k = rank - 1; k >= 0; k--) {
                if (++index[k] < shape[k]) {
                    offset += stride[k];
                    break;
                }
                index[k] = 0;
                offset -= (shape[k] - 1) * stride[k];
            }
        }
        return from;
    }

    private static int readFully(InputStream in, byte[] buffer, int at, int length) throws IOException {
        int read = 0;
        try {
            while (read < length) {
                int n = in.read(buffer, at + read, length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
        } catch (EOFException e) {
            // a compressed stream cut short ends here; the caller reports the byte count
        }
        return read;
    }

    private static long product(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static BadInputException notNpy(String source, byte[] start) {
        if (start.length == 0) {
            return new BadInputException(source + " is not a .npy file: it is empty; save the array with numpy.save");
        }
        if (startsWith(start, ZIP_MAGIC)) {
            return new BadInputException(source + " is not a .npy file but a zip archive, probably an .npz from "
                    + "numpy.savez; read it with npz('file.npz') in the data block, or save a single array with numpy.save");
        }
        String bytes = Arrays.stream(toInts(start)).mapToObj(b -> String.format("%02x", b)).collect(Collectors.joining(" "));
        return new BadInputException(source + " is not a .npy file: it starts with bytes " + bytes
                + " instead of \\x93NUMPY and a version; save the array with numpy.save");
    }

    private static int[] toInts(byte[] bytes) {
        int[] out = new int[Math.min(bytes.length, 8)];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes[i] & 0xff;
        }
        return out;
    }

    private static BadInputException truncatedHeader(String source, String what, long expected, long found) {
        return new BadInputException("NumPy file " + source + " is truncated in " + what + ": " + grouped(expected)
                + " bytes expected, " + grouped(found) + " found; it is cut short, so copy or save it again");
    }

    private static BadInputException truncatedBody(String source, int[] shape, String descr, long expected, long found,
            long offset) {
        return new BadInputException("NumPy file " + source + " is truncated: its header promises shape " + pyShape(shape)
                + " of '" + descr + "', " + grouped(expected) + " bytes from byte " + grouped(offset) + ", but only "
                + grouped(found) + " bytes follow; it is cut short, so copy or save it again");
    }

    private static BadInputException unreadable(String source, IOException e) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new BadInputException("cannot read NumPy file " + source + ": " + reason
                + "; check that the file is readable and complete", e);
    }

    static String pyShape(int[] shape) {
        return pyTuple(Arrays.stream(shape).boxed().toList());
    }

    static String pyTuple(List<?> items) {
        return items.size() == 1 ? "(" + items.get(0) + ",)"
                : items.stream().map(String::valueOf).collect(Collectors.joining(", ", "(", ")"));
    }

    static String grouped(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String clip(String header) {
        String h = header.strip();
        return h.length() <= 120 ? h : h.substring(0, 117) + "...";
    }
}
