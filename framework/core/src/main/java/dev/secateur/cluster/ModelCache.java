package dev.secateur.cluster;

import dev.secateur.errors.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The models a worker received, as files named by their SHA-256, under a bound on their total size: when a new
 * one would pass it, the least recently used go (their files deleted). A job that names an evicted model is
 * answered with {@link #MISSING}, and the coordinator ships the model again.
 */
final class ModelCache {

    /** What a worker's failure says when a job names a model it no longer (or never) held. */
    static final String MISSING = "is not cached on this worker";

    private final Path dir;
    private final long maxBytes;
    private final LinkedHashMap<String, Path> files = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    /** @param maxBytes the most the cached models may take together; one model bigger than this is still kept alone */
    ModelCache(Path dir, long maxBytes) {
        if (maxBytes < 1) {
            throw new BadInputException("the model cache bound " + maxBytes + " must be positive (--model-cache-mb)");
        }
        this.dir = dir;
        this.maxBytes = maxBytes;
    }

    /** Keeps {@code model}; returns the digests evicted to make room, whose in-memory copies should go too. */
    synchronized List<String> put(String sha256, byte[] model) {
        if (files.containsKey(sha256)) {
            files.get(sha256);
            return List.of();
        }
        var file = dir.resolve(sha256 + ".zip");
        try {
            Files.createDirectories(dir);
            Files.write(file, model);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot cache the model in " + file + ": " + e.getMessage(), e);
        }
        files.put(sha256, file);
        bytes += model.length;
        var evicted = new ArrayList<String>();
        for (var it = files.entrySet().iterator(); bytes > maxBytes && it.hasNext(); ) {
            Map.Entry<String, Path> eldest = it.next();
            if (eldest.getKey().equals(sha256)) {
                continue;
            }
            try {
                bytes -= Files.size(eldest.getValue());
                Files.deleteIfExists(eldest.getValue());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot evict model " + eldest.getValue() + ": " + e.getMessage(), e);
            }
            it.remove();
            evicted.add(eldest.getKey());
        }
        return evicted;
    }

    synchronized boolean holds(String sha256) {
        return files.containsKey(sha256);
    }

    /** The model's file, as most recently used; fails with {@link #MISSING} when it is not here. */
    synchronized Path get(String sha256) {
        return Optional.ofNullable(files.get(sha256)).orElseThrow(() -> new BadInputException("model "
                + String.valueOf(sha256).substring(0, Math.min(12, String.valueOf(sha256).length())) + " " + MISSING));
    }

    synchronized long bytes() {
        return bytes;
    }
}
