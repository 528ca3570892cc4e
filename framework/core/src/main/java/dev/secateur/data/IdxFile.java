package dev.secateur.data;

import dev.secateur.errors.BadInputException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST (LeCun's unsigned-byte files), gzipped or raw. The
 * gzip magic decides, not the file name. Inputs may have any shape: {@code [N, F]} features, {@code [N, H, W]}
 * grey images (MNIST's), or {@code [N, C, H, W]} images.
 */
public final class IdxFile {

    /** Unsigned bytes (0x08) in the third byte, the number of dimensions in the fourth. */
    private static final int UBYTE = 0x00000800;
    private static final int LABELS_MAGIC = 0x00000801;

    private IdxFile() {
    }

    /** Examples as unsigned bytes in row-major order, {@code count × shape}. */
    public record Images(int count, InputShape shape, byte[] pixels) {
        public int pixelsPerImage() {
            return shape.size();
        }
    }

    public static Images readImages(Path file) {
        try (var in = open(file)) {
            return readImages(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new BadInputException("image file " + file + " does not exist; check the data directory");
        } catch (IOException e) {
            throw unreadable(file.toString(), e);
        }
    }

    public static byte[] readLabels(Path file) {
        try (var in = open(file)) {
            return readLabels(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new BadInputException("label file " + file + " does not exist; check the data directory");
        } catch (IOException e) {
            throw unreadable(file.toString(), e);
        }
    }

    public static Images readImages(InputStream raw, String name) throws IOException {
        var in = new DataInputStream(maybeGunzip(raw));
        int magic = header(in, name);
        int dims = magic & 0xff;
        if ((magic & ~0xff) != UBYTE || dims < 2 || dims > 4) {
            throw wrongMagic(name, magic, 0x00000803, "an image file (idx3-ubyte; idx2 and idx4 unsigned bytes are read too)");
        }
        int count = header(in, name);
        int[] sizes = new int[dims - 1];
        long perExample = 1;
        for (int d = 0; d < sizes.length; d++) {
            sizes[d] = header(in, name);
            // capped just past the largest array, so no product below overflows a long
            perExample = Math.min(perExample * Math.max(sizes[d], 0), (long) Integer.MAX_VALUE + 1);
        }
        var text = new StringBuilder().append(count);
        for (int size : sizes) {
            text.append('×').append(size);
        }
        if (count < 0 || Arrays.stream(sizes).anyMatch(size -> size <= 0) || count * perExample > Integer.MAX_VALUE) {
            throw new BadInputException("IDX file " + name + " has an impossible shape " + text
                    + "; the header is damaged, so replace the file");
        }
        if (count == 0) {
            throw new BadInputException("IDX file " + name + " holds no images; a split needs at least one example, so use a "
                    + "file with images in it");
        }
        var shape = switch (dims) {
            case 2 -> InputShape.features(sizes[0]);
            case 3 -> InputShape.image(1, sizes[0], sizes[1]);
            default -> InputShape.image(sizes[0], sizes[1], sizes[2]);
        };
        byte[] pixels = body(in, name, (int) (count * perExample), text + " values");
        return new Images(count, shape, pixels);
    }

    public static byte[] readLabels(InputStream raw, String name) throws IOException {
        var in = new DataInputStream(maybeGunzip(raw));
        int magic = header(in, name);
        if (magic != LABELS_MAGIC) {
            throw wrongMagic(name, magic, LABELS_MAGIC, "a label file (idx1-ubyte)");
        }
        int count = header(in, name);
        if (count < 0) {
            throw new BadInputException("IDX file " + name + " claims " + count + " labels; the header is damaged, so replace the file");
        }
        if (count == 0) {
            throw new BadInputException("IDX file " + name + " holds no labels; a split needs at least one example, so use a "
                    + "file with labels in it");
        }
        return body(in, name, count, count + " labels");
    }

    private static InputStream open(Path file) throws IOException {
        return new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    }

    private static InputStream maybeGunzip(InputStream raw) throws IOException {
        var in = raw.markSupported() ? raw : new BufferedInputStream(raw);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in;
    }

    private static int header(DataInputStream in, String name) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new BadInputException("IDX file " + name + " ends inside its header; it is truncated or empty, so replace it");
        }
    }

    private static byte[] body(DataInputStream in, String name, int expected, String what) throws IOException {
        byte[] data = new byte[expected];
        int read = 0;
        try {
            while (read < expected) {
                int n = in.read(data, read, expected - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
        } catch (EOFException e) {
            // a gzip stream cut short ends here; reported below with the byte count
        }
        if (read < expected) {
            throw new BadInputException("IDX file " + name + " is truncated: its header promises " + what + " ("
                    + expected + " bytes) but only " + read + " bytes follow; download or reinstall it (for Fashion-MNIST: "
                    + "apt-get install --reinstall dataset-fashion-mnist)");
        }
        return data;
    }

    private static BadInputException wrongMagic(String name, int magic, int expected, String what) {
        return new BadInputException(String.format(
                "%s is not %s: its magic number is 0x%08x, expected 0x%08x; point the data source at the MNIST-format files",
                name, what, magic, expected));
    }

    private static BadInputException unreadable(String name, IOException e) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof EOFException || reason.contains("Unexpected end of ZLIB") || reason.contains("Corrupt GZIP")) {
            return new BadInputException("IDX file " + name + " is truncated or its gzip stream is damaged (" + reason
                    + "); download or reinstall it", e);
        }
        return new BadInputException("cannot read IDX file " + name + ": " + reason, e);
    }
}
