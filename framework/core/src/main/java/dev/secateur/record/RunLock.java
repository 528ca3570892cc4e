package dev.secateur.record;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.errors.BadInputException;
import dev.secateur.files.DurableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code LOCK} in a live run directory: the process id, its start time and the host of the process that runs
 * it. It is taken when the directory is created or a run resumes, and removed with the run's last event, so
 * a LOCK whose process is gone marks a run that was killed.
 *
 * <p>Taking it is atomic: the holder keeps an operating-system lock on {@value #HELD_FILE} beside it for as long
 * as the run lasts (released by the kernel when the process dies, however it dies), so of two processes, or two
 * threads, that take it together exactly one proceeds. LOCK's content is what {@link #holder} reads to name it.
 */
public final class RunLock {

    public static final String FILE = "LOCK";
    /**
     * The file the operating-system lock is taken on. It is never deleted, so every taker locks the same file, and
     * nothing else in this process may open it: closing any descriptor of a file drops the process's locks on it.
     */
    public static final String HELD_FILE = ".lock";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The locks this process holds, by LOCK file; a channel closed before its run ends would drop its lock. */
    private static final Map<Path, Held> HELD = new HashMap<>();

    private record Held(FileChannel channel, FileLock lock) {
    }

    private RunLock() {
    }

    /** Who holds a run directory; {@code alive} is false for a stale lock, left by a process that died. */
    public record Holder(long pid, String host, String processStarted, boolean alive) {

        /** "process 1234 on host" for messages. */
        public String describe() {
            return "process " + pid + " on " + host;
        }
    }

    /**
     * Takes the run directory's lock, or refuses, naming who holds it, when a live process (this one included)
     * already does. A LOCK left by a killed process is taken over.
     */
    public static void take(Path dir) {
        var held = heldFile(dir);
        synchronized (HELD) {
            if (HELD.containsKey(held)) {
                throw running(dir, "this process");
            }
            FileChannel channel = null;
            try {
                channel = FileChannel.open(held, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null; // held by another channel of this JVM
                }
                if (lock == null) {
                    throw running(dir, "another process");
                }
                DurableFiles.writeString(dir.resolve(FILE), content());
                HELD.put(held, new Held(channel, lock));
                channel = null;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot take " + held + ": " + e.getMessage(), e);
            } finally {
                closeQuietly(channel);
            }
        }
    }

    /**
     * The lock file by its real path: two spellings of one directory (a link, a relative path) must meet in
     * {@link #HELD}, or the second would open and close the file and so drop the first one's lock.
     */
    private static Path heldFile(Path dir) {
        try {
            return dir.toRealPath().resolve(HELD_FILE);
        } catch (IOException e) {
            return dir.toAbsolutePath().normalize().resolve(HELD_FILE);
        }
    }

    private static String content() {
        var self = ProcessHandle.current();
        var lock = JSON.createObjectNode();
        lock.put("pid", self.pid());
        lock.put("host", host());
        lock.put("processStarted", self.info().startInstant().map(Instant::toString).orElse(""));
        lock.put("taken", Instant.now().toString());
        return lock + "\n";
    }

    private static BadInputException running(Path dir, String fallback) {
        return new BadInputException("run " + dir.getFileName() + " is running in "
                + holder(dir).filter(Holder::alive).map(Holder::describe).orElse(fallback) + "; stop it first, or wait for it");
    }

    /** Removes the LOCK (the run ended), then lets go of the operating-system lock. */
    public static void release(Path dir) {
        var held = heldFile(dir);
        synchronized (HELD) {
            var taken = HELD.remove(held);
            try {
                Files.deleteIfExists(dir.resolve(FILE));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + dir.resolve(FILE) + ": " + e.getMessage(), e);
            } finally {
                if (taken != null) {
                    closeQuietly(taken.channel());
                }
            }
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close(); // releases its lock
            } catch (IOException ignored) {
                // the lock goes with the channel whatever close reports
            }
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
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
