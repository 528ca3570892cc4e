package dev.secateur.data;

import dev.secateur.data.NpyFile.NpyArray;
import dev.secateur.errors.BadInputException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads NumPy's {@code .npz} archives ({@code numpy.savez} and {@code numpy.savez_compressed}): a zip
 * of {@code name.npy} entries, stored or deflated. Entries not ending in {@code .npy} are skipped, so a
 * stray README does not make the archive unreadable.
 */
public final class NpzFile {

    private static final String SUFFIX = ".npy";

    private NpzFile() {
    }

    /** Every array, keyed by name without {@code .npy}, in archive order. */
    public static Map<String, NpyArray> read(Path file) {
        try (var zip = open(file)) {
            var arrays = new LinkedHashMap<String, NpyArray>();
            for (ZipEntry entry : Collections.list(zip.entries())) {
                String name = arrayName(entry);
                if (name != null) {
                    arrays.put(name, readEntry(zip, entry, file, name));
                }
            }
            return arrays;
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    /** One array by name, without reading (or inflating) the others. */
    public static NpyArray read(Path file, String name) {
        try (var zip = open(file)) {
            ZipEntry entry = zip.getEntry(name + SUFFIX);
            if (entry == null || entry.isDirectory()) {
                List<String> present = new ArrayList<>();
                for (ZipEntry e : Collections.list(zip.entries())) {
                    String n = arrayName(e);
                    if (n != null) {
                        present.add(n);
                    }
                }
                throw new BadInputException(".npz archive " + file + " has no array '" + name + "'; it holds "
                        + (present.isEmpty() ? "no arrays at all" : String.join(", ", present))
                        + ", so use one of those names (numpy.savez names unnamed arrays arr_0, arr_1, …)");
            }
            return readEntry(zip, entry, file, name);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    private static ZipFile open(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new BadInputException(".npz archive " + file + " does not exist; check the path");
        }
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(".npz archive " + file + " is not a regular file; point at the .npz file itself");
        }
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new BadInputException(file + " is not an .npz archive: it is not a zip file (" + e.getMessage()
                    + "); for a single array saved with numpy.save read it as .npy, otherwise save the arrays again "
                    + "with numpy.savez", e);
        }
    }

    private static String arrayName(ZipEntry entry) {
        String name = entry.getName();
        return !entry.isDirectory() && name.endsWith(SUFFIX) ? name.substring(0, name.length() - SUFFIX.length()) : null;
    }

    private static NpyArray readEntry(ZipFile zip, ZipEntry entry, Path file, String name) throws IOException {
        try (InputStream in = new BufferedInputStream(zip.getInputStream(entry), 1 << 16)) {
            return NpyFile.read(in, file + "[" + name + "]");
        }
    }

    private static BadInputException unreadable(Path file, IOException e) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new BadInputException("cannot read .npz archive " + file + ": " + reason
                + "; it is damaged or truncated, so copy or save it again", e);
    }
}
