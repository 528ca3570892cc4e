package dev.secateur.data;

import dev.secateur.errors.BadInputException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads the binary version of CIFAR-10 ({@code cifar-10-binary.tar.gz}): records of one label byte and
 * 3,072 pixel bytes, the red, green and blue 32×32 planes in turn, so each image is already CHW.
 */
public final class Cifar10Files {

    public static final int RECORD = 3073;
    public static final int CHANNELS = 3;
    public static final int SIDE = 32;
    public static final int CLASSES = 10;

    private static final int PIXELS = CHANNELS * SIDE * SIDE;
    private static final int CIFAR100_RECORD = 3074;
    private static final List<String> NAMES = List.of(
            "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");
    private static final String EXPECTED = "data_batch_1.bin … data_batch_5.bin and test_batch.bin from the binary "
            + "version (cifar-10-binary.tar.gz, https://www.cs.toronto.edu/~kriz/cifar.html)";

    private Cifar10Files() {
    }

    /** {@code count} images of {@code CHANNELS × SIDE × SIDE} unsigned bytes, CHW each, and their labels 0–9. */
    public record Split(String source, byte[] pixels, int[] labels, List<Path> files) {
        public int count() {
            return labels.length;
        }
    }

    /** The {@code data_batch_N.bin} files present, in order 1 to 5; the first is required. */
    public static Split train(Path dir) {
        checkDirectory(dir, "data_batch_1.bin");
        List<Path> files = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            Path file = dir.resolve("data_batch_" + i + ".bin");
            if (Files.isRegularFile(file)) {
                files.add(file);
            }
        }
        return read(files, dir + " (train)");
    }

    public static Split test(Path dir) {
        checkDirectory(dir, "test_batch.bin");
        return read(List.of(dir.resolve("test_batch.bin")), dir + " (test)");
    }

    public static Split read(List<Path> files, String source) {
        if (files.isEmpty()) {
            throw new BadInputException("CIFAR-10 source " + source + " names no files; give it " + EXPECTED);
        }
        long total = 0;
        long[] counts = new long[files.size()];
        for (int f = 0; f < files.size(); f++) {
            counts[f] = records(files.get(f));
            total += counts[f];
        }
        if (total * PIXELS > Integer.MAX_VALUE - 8) {
            throw new BadInputException("CIFAR-10 source " + source + " holds " + NpyFile.grouped(total)
                    + " images, more than one Java array holds; read fewer files at a time");
        }
        byte[] pixels = new byte[(int) total * PIXELS];
        int[] labels = new int[(int) total];
        int n = 0;
        for (int f = 0; f < files.size(); f++) {
            n = readFile(files.get(f), (int) counts[f], pixels, labels, n);
        }
        return new Split(source, pixels, labels, List.copyOf(files));
    }

    /** {@code batches.meta.txt} if the directory has one (one name a line), else the standard ten. */
    public static List<String> classNames(Path dir) {
        Path meta = dir.resolve("batches.meta.txt");
        if (!Files.isRegularFile(meta)) {
            return NAMES;
        }
        List<String> names;
        try {
            names = Files.readAllLines(meta, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            throw new BadInputException("cannot read CIFAR-10 class names " + meta + ": " + e.getMessage()
                    + "; check that it is readable, or remove it to use the standard names", e);
        }
        if (names.size() != CLASSES) {
            throw new BadInputException("CIFAR-10 class names " + meta + " lists " + names.size() + " names, not "
                    + CLASSES + "; put one name a line for labels 0 to 9, or remove it to use the standard names");
        }
        return names;
    }

    private static void checkDirectory(Path dir, String required) {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException("CIFAR-10 directory " + dir + " does not exist or is not a directory; it should "
                    + "hold " + EXPECTED);
        }
        if (Files.isRegularFile(dir.resolve(required))) {
            return;
        }
        if (Files.exists(dir.resolve("data_batch_1")) || Files.exists(dir.resolve("batches.meta"))) {
            throw new BadInputException("CIFAR-10 directory " + dir + " holds the Python version (pickled batches "
                    + "without .bin); Secateur reads the binary version, so download and extract " + EXPECTED);
        }
        if (Files.isRegularFile(dir.resolve("cifar-10-batches-bin").resolve(required))) {
            throw new BadInputException("CIFAR-10 directory " + dir + " has no " + required + " but its subdirectory "
                    + "cifar-10-batches-bin has; point at " + dir.resolve("cifar-10-batches-bin"));
        }
        throw new BadInputException("CIFAR-10 directory " + dir + " has no " + required + "; it should hold " + EXPECTED
                + ", and it holds " + listing(dir));
    }

    private static String listing(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            List<String> names = entries.map(p -> p.getFileName().toString()).sorted().limit(10).toList();
            return names.isEmpty() ? "nothing" : String.join(", ", names) + (names.size() == 10 ? ", …" : "");
        } catch (IOException e) {
            return "entries that cannot be listed (" + e.getMessage() + ")";
        }
    }

    private static long records(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new BadInputException("CIFAR-10 file " + file + " does not exist; expected " + EXPECTED);
        } catch (IOException e) {
            throw new BadInputException("cannot read CIFAR-10 file " + file + ": " + e.getMessage(), e);
        }
        long whole = size / RECORD;
        long left = size % RECORD;
        if (left != 0) {
            String hint = size % CIFAR100_RECORD == 0 ? "; its size fits 3,074-byte records, so it may be CIFAR-100, "
                    + "which is not supported" : "; it is truncated or not CIFAR-10 binary (the 'binary version', not "
                    + "the Python pickles)";
            throw new BadInputException("CIFAR-10 file " + file + " is " + NpyFile.grouped(size) + " bytes, not a "
                    + "multiple of the 3,073-byte CIFAR-10 record (" + whole + " whole records and " + left + " byte"
                    + (left == 1 ? "" : "s") + " left)" + hint);
        }
        if (whole == 0) {
            throw new BadInputException("CIFAR-10 file " + file + " is empty; download and extract " + EXPECTED);
        }
        return whole;
    }

    private static int readFile(Path file, int count, byte[] pixels, int[] labels, int first) {
        try (var in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            for (int r = 0; r < count; r++) {
                int label = in.read();
                int read = in.readNBytes(pixels, (first + r) * PIXELS, PIXELS);
                if (label < 0 || read < PIXELS) {
                    throw new BadInputException("CIFAR-10 file " + file + " ends inside record " + r + " (byte offset "
                            + NpyFile.grouped((long) r * RECORD) + "); it shrank while being read, so copy it again");
                }
                if (label >= CLASSES) {
                    throw new BadInputException("CIFAR-10 file " + file + " has label " + label + " in record " + r
                            + " (byte offset " + NpyFile.grouped((long) r * RECORD) + "); CIFAR-10 labels are 0 to 9, so "
                            + "the file is damaged or not CIFAR-10 binary (CIFAR-100 has two label bytes a record)");
                }
                labels[first + r] = label;
            }
        } catch (IOException e) {
            throw new BadInputException("cannot read CIFAR-10 file " + file + ": " + e.getMessage(), e);
        }
        return first + count;
    }
}
