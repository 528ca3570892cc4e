package dev.secateur.config;

import dev.secateur.files.DurableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files only this user may read: the server's API token and the cluster's secret. Written 0600 in a directory
 * made 0700, through a staged file and an atomic rename, so no other user ever sees a partial or readable copy.
 */
public final class PrivateFiles {

    private PrivateFiles() {
    }

    /**
     * Writes {@code text} to {@code file} readable and writable by this user only.
     *
     * @param what how messages name the file, such as "the API token"
     */
    public static Path write(Path file, String text, String what) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            // the durable write's staged file is made private while still empty, before the secret goes in
            DurableFiles.write(file, staged -> {
                Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rw-------"));
                Files.writeString(staged, text, StandardCharsets.UTF_8);
            });
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + what + " to " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code text} to {@code file} as {@link #write} does, unless the file exists: then, or when another
     * process made it a moment earlier, it is left as it is. Two processes that start at once thus agree on one.
     *
     * @return whether this call made the file
     */
    public static boolean writeNew(Path file, String text, String what) {
        Path staged = write(file.resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".new"), text, what);
        try {
            Files.createLink(file, staged); // a hard link fails if the name exists: an atomic create-if-absent
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + what + " to " + file + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(staged);
            } catch (IOException e) {
                // a stray staged copy is readable by this user only
            }
        }
    }

    /** Whether users other than the owner may read or write {@code file}: such a file keeps no secret. */
    public static boolean othersCanRead(Path file) throws IOException {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        return permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ)
                || permissions.contains(PosixFilePermission.GROUP_WRITE) || permissions.contains(PosixFilePermission.OTHERS_WRITE);
    }
}
