package dev.secateur.cluster;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/** A run directory packed for its way back from a worker, and unpacked into the coordinator's runs directory. */
public final class RunArchive {

    private RunArchive() {
    }

    /** The directory's files as a base64 zip, with paths relative to it. */
    static String zip(Path dir) throws IOException {
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

    /**
     * Unpacks into {@code target}, which must not exist yet, through a temporary sibling and a rename, so the
     * runs directory never shows half a run. An entry that would land outside {@code target} is refused.
     */
    public static void unzip(String archive, Path target) throws IOException {
        var tmp = target.resolveSibling("." + target.getFileName() + ".arriving");
        dev.secateur.record.Checkpoints.deleteRecursively(tmp);
        Files.createDirectories(tmp);
        try (var zip = new ZipInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(archive)))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                var file = tmp.resolve(entry.getName()).normalize();
                if (!file.startsWith(tmp) || entry.isDirectory()) {
                    throw new IOException("the run sent back has an entry outside its directory: " + entry.getName());
                }
                Files.createDirectories(file.getParent());
                Files.copy(zip, file);
            }
        }
        Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
