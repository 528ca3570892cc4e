package dev.secateur.record;

import dev.secateur.errors.BadInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A run directory packed for its way back from a worker, and unpacked into the coordinator's runs directory.
 * What comes back is checked before anything lands: a bound on the archive and on what it unpacks to, and
 * entries that are plain relative file names (no {@code ..}, no absolute path, no directory or link entries).
 */
public final class RunArchive {

    /** The most an archive (decoded) or its unpacked files may take: 1 GiB, far above a run's few megabytes. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    private static final int MAX_ENTRIES = 100_000;

    private RunArchive() {
    }

    /** The directory's files as a base64 zip, with paths relative to it. */
    public static String zip(Path dir) throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(bytes); var files = Files.walk(dir)) {
            for (var file : files.filter(Files::isRegularFile).sorted().toList()) {
                zip.putNextEntry(new ZipEntry(dir.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, zip);
                zip.closeEntry();
            }
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    /** The same as {@link #unzip(String, Path, long)} under {@link #DEFAULT_MAX_BYTES}. */
    public static void unzip(String archive, Path target) throws IOException {
        unzip(archive, target, DEFAULT_MAX_BYTES);
    }

    /**
     * Unpacks into {@code target}, which must not exist yet, through a hidden temporary sibling and a rename, so
     * the runs directory never shows half a run; on any failure the temporary directory is removed and nothing is
     * left. Refused, before or while unpacking: an archive or unpacked total over {@code maxBytes}, an entry name
     * that is absolute, holds {@code ..} or a backslash, a directory entry, or a name given twice.
     *
     * @throws BadInputException naming the entry or the bound
     */
    public static void unzip(String archive, Path target, long maxBytes) throws IOException {
        if (archive == null) {
            throw new BadInputException("the run sent back has no archive");
        }
        if ((long) archive.length() / 4 * 3 > maxBytes) {
            throw new BadInputException("the run sent back is a " + archive.length() / 4 * 3 + "-byte archive, over the bound of "
                    + maxBytes + " bytes; it is refused");
        }
        if (Files.exists(target)) {
            throw new BadInputException("run directory " + target + " exists already; the run sent back is refused");
        }
        byte[] zipped;
        try {
            zipped = Base64.getDecoder().decode(archive);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("the run sent back is not base64: " + e.getMessage());
        }
        Path tmp = Files.createTempDirectory(target.toAbsolutePath().getParent(), "." + target.getFileName() + ".arriving-");
        boolean done = false;
        try {
            unpack(zipped, tmp, maxBytes);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            done = true;
        } finally {
            if (!done) {
                Checkpoints.deleteRecursively(tmp);
            }
        }
    }

    private static void unpack(byte[] zipped, Path tmp, long maxBytes) throws IOException {
        long total = 0;
        Set<String> names = new HashSet<>();
        try (var zip = new ZipInputStream(new ByteArrayInputStream(zipped))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                String name = entry.getName();
                checkName(name);
                if (!names.add(name) || names.size() > MAX_ENTRIES) {
                    throw new BadInputException("the run sent back names " + name + " twice, or has over " + MAX_ENTRIES + " entries");
                }
                var file = tmp.resolve(name).normalize();
                if (!file.startsWith(tmp) || file.equals(tmp)) {
                    throw new BadInputException("the run sent back has an entry outside its directory: " + name);
                }
                Files.createDirectories(file.getParent());
                if (!file.getParent().toRealPath().startsWith(tmp.toRealPath())) {
                    throw new BadInputException("the run sent back has an entry that leads outside its directory: " + name);
                }
                try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW)) {
                    total += copyBounded(zip, out, maxBytes - total, name, maxBytes);
                }
            }
        }
    }

    /** Entry names as {@link #zip} writes them: relative, forward slashes, no {@code ..}, no empty part. */
    private static void checkName(String name) {
        if (name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.endsWith("/") || name.indexOf('\0') >= 0
                || name.matches("^[A-Za-z]:.*")) {
            throw new BadInputException("the run sent back has an entry that is not a relative file name: '" + name + "'");
        }
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals("..") || part.equals(".")) {
                throw new BadInputException("the run sent back has an entry outside its directory: '" + name + "'");
            }
        }
    }

    private static long copyBounded(InputStream in, OutputStream out, long left, String name, long maxBytes) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long copied = 0;
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            copied += n;
            if (copied > left) {
                throw new BadInputException("the run sent back unpacks to more than " + maxBytes + " bytes (at entry " + name
                        + "); it is refused");
            }
            out.write(buffer, 0, n);
        }
        return copied;
    }
}
