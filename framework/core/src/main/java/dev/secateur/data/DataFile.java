package dev.secateur.data;

import dev.secateur.errors.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

/**
 * One file a run read, with its SHA-256 as {@code sha256sum} prints it, so a run says exactly what it read.
 *
 * @param path   where it was read, or for an image folder the folder, whose digest covers every image (see {@link #folder})
 * @param bytes  its size; for a folder, the size of all the images read
 * @param sha256 hex
 */
public record DataFile(String path, long bytes, String sha256) {

    /** A file's digest, streamed. */
    public static DataFile of(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return of(file.toString(), in);
        } catch (IOException e) {
            throw new BadInputException("cannot read data file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The digest of a stream, such as an embedded resource. */
    public static DataFile of(String name, InputStream in) throws IOException {
        var digest = digester();
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
            digest.update(buffer, 0, n);
            total += n;
        }
        return new DataFile(name, total, HexFormat.of().formatHex(digest.digest()));
    }

    /**
     * A folder's images as one digest: the SHA-256 of {@code sha256sum}'s output for them, one line per image
     * ({@code <sha256>  ./<relative path>}) in byte order of the path, which
     * {@code cd DIR && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum} reproduces when the
     * folder holds only images.
     */
    public static DataFile folder(Path root, List<Path> files) {
        var lines = new TreeMap<String, String>();
        long total = 0;
        for (Path file : files) {
            var one = of(file);
            total += one.bytes();
            lines.put("./" + root.relativize(file).toString().replace('\\', '/'), one.sha256());
        }
        var digest = digester();
        lines.forEach((name, sha) -> digest.update((sha + "  " + name + "\n").getBytes(StandardCharsets.UTF_8)));
        return new DataFile(root.toString(), total, HexFormat.of().formatHex(digest.digest()));
    }

    /** One digest for several files: the SHA-256 of their digests, in order, so it does not depend on where they are. */
    public static String combined(List<DataFile> files) {
        var digest = digester();
        files.forEach(file -> digest.update(file.sha256().getBytes(StandardCharsets.US_ASCII)));
        return HexFormat.of().formatHex(digest.digest());
    }

    static MessageDigest digester() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
