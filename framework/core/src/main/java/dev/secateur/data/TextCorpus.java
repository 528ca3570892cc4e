package dev.secateur.data;

import dev.secateur.errors.BadInputException;
import dev.secateur.files.Sha256;
import dev.secateur.spec.DataSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Text for a language model: files read as bytes, one after another in path order, cut into sequences that share
 * no bytes (a window of {@code context + 1} bytes gives a sequence and its next tokens), and split by position:
 * whole blocks of {@link DataSpec.Text#BLOCK} sequences go to the test split.
 */
public final class TextCorpus {

    /** Chooses the test blocks: fixed, so every seed is judged on the same text. */
    private static final long TEST_BLOCKS_SEED = 0x74657874L;

    private TextCorpus() {
    }

    /** What was read: the bytes, every file with its digest, and where they came from. */
    record Read(byte[] text, List<DataFile> files, String origin) {
    }

    /** The bytes of the text, every file in path order, as a run reads them; a benchmark feeds the same text to PyTorch. */
    public static byte[] bytes(DataSpec.Text spec) {
        return read(spec).text();
    }

    static Read read(DataSpec.Text spec) {
        Path path = spec.path();
        if (!Files.exists(path)) {
            throw new BadInputException("data text('" + path + "'): no such file or directory; give a text file or a directory "
                    + "of them, such as text('/usr/share/doc/python3.11/html/_sources', include: '*.txt')");
        }
        List<Path> files = files(path, spec.include());
        var bytes = new ByteArrayOutputStream();
        var read = new ArrayList<DataFile>(files.size());
        for (Path file : files) {
            try {
                byte[] content = Files.readAllBytes(file);
                bytes.writeBytes(content);
                read.add(new DataFile(file.toString(), content.length, Sha256.hex(content))); // hashed from what was read
            } catch (IOException e) {
                throw new BadInputException("data text: cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        String origin = "text " + path + (Files.isDirectory(path) ? " (" + files.size() + " files matching '" + spec.include() + "')" : "");
        return new Read(bytes.toByteArray(), read, origin);
    }

    private static List<Path> files(Path path, String include) {
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        var matcher = FileSystems.getDefault().getPathMatcher("glob:" + include);
        try (Stream<Path> walk = Files.walk(path)) {
            var files = walk.filter(Files::isRegularFile).filter(f -> matcher.matches(f.getFileName()))
                    .map(Path::toString).sorted().map(Path::of).toList();
            if (files.isEmpty()) {
                throw new BadInputException("data text('" + path + "'): no file under it matches include: '" + include
                        + "'; name a pattern its files match, such as include: '*.txt'");
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The training and test sequences of {@code text}: sequence k starts at byte k·(context + 1). With
     * {@code testFraction}, that fraction of the blocks of sequences, chosen by a fixed seed, is the test split.
     */
    static Dataset[] split(Read read, DataSpec.Text spec, double testFraction) {
        int window = spec.context() + 1;
        int sequences = read.text().length / window;
        int blocks = (sequences + DataSpec.Text.BLOCK - 1) / DataSpec.Text.BLOCK;
        int heldBlocks = (int) Math.round(blocks * testFraction);
        if (sequences < 2 || heldBlocks < 1 || heldBlocks >= blocks) {
            throw new BadInputException("data " + read.origin() + " holds " + read.text().length + " bytes, " + sequences
                    + " sequences of " + spec.context() + " tokens in " + blocks + " blocks of " + DataSpec.Text.BLOCK
                    + "; testFraction: " + testFraction + " must leave at least one block for each split: give more text, "
                    + "a shorter context, or another testFraction");
        }
        boolean[] test = new boolean[blocks];
        int[] order = Dataset.permutation(blocks, TEST_BLOCKS_SEED);
        for (int i = 0; i < heldBlocks; i++) {
            test[order[i]] = true;
        }
        int[] trainStarts = new int[sequences];
        int[] testStarts = new int[sequences];
        int nTrain = 0;
        int nTest = 0;
        for (int k = 0; k < sequences; k++) {
            if (test[k / DataSpec.Text.BLOCK]) {
                testStarts[nTest++] = k * window;
            } else {
                trainStarts[nTrain++] = k * window;
            }
        }
        return new Dataset[]{
                Dataset.ofText(read.origin() + " (training sequences)", read.text(), Arrays.copyOf(trainStarts, nTrain), spec.context()),
                Dataset.ofText(read.origin() + " (test sequences)", read.text(), Arrays.copyOf(testStarts, nTest), spec.context())};
    }
}
