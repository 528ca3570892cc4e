package dev.secateur.cluster;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.DataSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The directories a worker reads data from: a job that names any other directory is refused, so a coordinator
 * cannot make a worker read IDX files elsewhere on its host. Compared as real paths, so neither {@code ..} nor
 * a symbolic link leads out.
 *
 * @param dirs the allowed directories, each with everything below it
 */
public record DataDirectories(List<Path> dirs) {

    public DataDirectories {
        dirs = List.copyOf(dirs);
    }

    /** The installed Fashion-MNIST only, the default of {@code bin/secateur worker}. */
    public static DataDirectories installed() {
        return new DataDirectories(List.of(DataSpec.INSTALLED_FASHION_MNIST));
    }

    /** Throws, naming the directory, when {@code source} reads outside these directories. */
    void check(DataSpec.Source source) {
        // the embedded subset, and the installed copy found by Auto, name no path
        for (Path path : source.paths()) {
            check(path);
        }
    }

    private void check(Path path) {
        Path asked = real(path);
        for (Path dir : dirs) {
            if (asked.startsWith(real(dir))) {
                return;
            }
        }
        throw new BadInputException("the job names data " + (Files.isDirectory(path) ? "directory " : "file ") + path
                + ", outside this worker's data directories " + dirs
                + "; start the worker with --data-dir " + (Files.isDirectory(path) ? path : path.toAbsolutePath().getParent())
                + " if it should read it");
    }

    private static Path real(Path path) {
        try {
            return Files.exists(path) ? path.toRealPath() : path.toAbsolutePath().normalize();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }
}
