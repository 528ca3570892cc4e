package dev.secateur.record;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code LOCK} in a live run directory: the process id, its start time and the host of the process that runs
 * it. It is written when the directory is created or a run resumes, and removed with the run's last event, so
 * a LOCK whose process is gone marks a run that was killed.
 */
public final class RunLock {

    public static final String FILE = "LOCK";
    private static final ObjectMapper JSON = new ObjectMapper();

    private RunLock() {
    }

    /** Who holds a run directory; {@code alive} is false for a stale lock, left by a process that died. */
    public record Holder(long pid, String host, String processStarted, boolean alive) {

        /** "process 1234 on host" for messages. */
        public String describe() {
            return "process " + pid + " on " + host;
        }
    }

    public static void take(Path dir) {
        var self = ProcessHandle.current();
        var lock = JSON.createObjectNode();
        lock.put("pid", self.pid());
        lock.put("host", host());
        lock.put("processStarted", self.info().startInstant().map(Instant::toString).orElse(""));
        lock.put("taken", Instant.now().toString());
        try {
            Files.writeString(dir.resolve(FILE), lock.toString() + "\n");
            Checkpoints.force(dir.resolve(FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    public static void release(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve(FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    /** The lock's holder, if the directory has a lock. A process on another host is taken to be alive. */
    public static Optional<Holder> holder(Path dir) {
        var file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            var lock = JSON.readTree(file.toFile());
            long pid = lock.path("pid").asLong();
            String host = lock.path("host").asText();
            String started = lock.path("processStarted").asText("");
            if (pid <= 0 || host.isBlank()) {
                // empty or cut short by a crash while it was written: its writer is gone
                return Optional.of(new Holder(pid, host.isBlank() ? host() : host, started, false));
            }
            boolean alive = !host.equals(host()) || ProcessHandle.of(pid)
                    .filter(ProcessHandle::isAlive)
                    // a recycled pid belongs to a process that started at another time
                    .filter(p -> started.isEmpty() || p.info().startInstant().map(Instant::toString).map(started::equals).orElse(true))
                    .isPresent();
            return Optional.of(new Holder(pid, host, started, alive));
        } catch (IOException e) {
            // a lock torn by a crash while it was written: its writer is gone
            return Optional.of(new Holder(-1, host(), "", false));
        }
    }

    static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
