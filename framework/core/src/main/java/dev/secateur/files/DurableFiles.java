package dev.secateur.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Whole-file writes that a crash cannot tear: the content goes to a temporary file beside the target, is
 * forced to disk, and is renamed over the target, and the rename is forced too. A reader, or a process
 * started after a kill or a power cut, sees the old file or the whole new one.
 */
public final class DurableFiles {

    private static final SecureRandom RANDOM = new SecureRandom();

    private DurableFiles() {
    }

    /** What writes a file's whole content, here into the temporary file that {@link #write} renames. */
    @FunctionalInterface
    public interface FileWriting {
        void write(Path tmp) throws IOException;
    }

    /**
     * Replaces {@code file} with what {@code content} writes. The temporary file has a name of its own, so two
     * writers of one file never share it; on failure it is removed and the old file is untouched.
     */
    public static void write(Path file, FileWriting content) {
        var parent = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            // created like any file (the umask's permissions), not 0600 as a temporary file would be
            tmp = Files.createFile(parent.resolve("." + file.getFileName() + "." + HexFormat.of().toHexDigits(RANDOM.nextLong()) + ".tmp"));
            content.write(tmp);
            force(tmp);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            force(parent); // the rename itself, durable
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write already failed, and that error is the one to report
                }
            }
        }
    }

    public static void writeString(Path file, String text) {
        write(file, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }

    public static void writeBytes(Path file, byte[] bytes) {
        write(file, tmp -> Files.write(tmp, bytes));
    }

    /** Forces a file's content, or a directory's entries, to disk. */
    public static void force(Path path) throws IOException {
        try (var channel = FileChannel.open(path, Files.isDirectory(path) ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }
}
