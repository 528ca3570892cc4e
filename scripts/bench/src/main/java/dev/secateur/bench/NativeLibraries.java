package dev.secateur.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Which BLAS and oneDNN this process mapped, read from /proc/self/maps as peer.py reads PyTorch's. */
final class NativeLibraries {

    private NativeLibraries() {
    }

    static String mapped() {
        try {
            var names = new TreeSet<String>();
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                String file = Path.of(line.substring(slash)).getFileName().toString();
                if (file.contains("blas") || file.contains("lapack") || file.contains("dnnl") || file.contains("mkldnn")) {
                    names.add(file);
                }
            }
            return names.isEmpty() ? "none" : names.stream().collect(Collectors.joining(","));
        } catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }
}
