package dev.secateur.cluster;

import dev.secateur.errors.RunCancelledException;
import dev.secateur.evaluate.TimedSection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Timed sections, one at a time on this machine: a lock in this JVM, and an operating-system lock on one file
 * that every Secateur JVM of the host takes (a worker, a coordinator, whichever cluster it is in), so no two
 * timings overlap however many workers share the cores.
 */
public final class HostTimingLock implements TimedSection.Guard {

    /** Where the lock file is by default: the same path for every JVM of the host. */
    public static final Path DEFAULT = Path.of(System.getProperty("secateur.timingLock",
            Path.of(System.getProperty("java.io.tmpdir"), "secateur-timing.lock").toString()));

    /** A file lock belongs to the JVM, so threads of one JVM queue here first. */
    private static final ReentrantLock IN_THIS_JVM = new ReentrantLock(true);

    private final Path file;

    public HostTimingLock(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    @Override
    public <T> T exclusive(Supplier<T> timed) {
        try {
            IN_THIS_JVM.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunCancelledException("interrupted while waiting for this machine's timing lock " + file);
        }
        try {
            if (IN_THIS_JVM.getHoldCount() > 1) {
                return timed.get(); // a timed section inside another: the machine is already ours
            }
            try (var channel = open(); var held = channel.lock()) {
                return timed.get();
            } catch (ClosedByInterruptException e) {
                Thread.currentThread().interrupt();
                throw new RunCancelledException("interrupted while waiting for this machine's timing lock " + file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot take the timing lock " + file + " (" + e.getMessage() + "); make it "
                        + "writable for every user that runs Secateur here, or give -Dsecateur.timingLock=PATH", e);
            }
        } finally {
            IN_THIS_JVM.unlock();
        }
    }

    private FileChannel open() throws IOException {
        if (!Files.exists(file)) {
            try {
                // writable by all, so workers of several users on one machine share it
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-rw-rw-")));
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
            } catch (FileAlreadyExistsException | UnsupportedOperationException e) {
                // another JVM made it first, or the file system has no POSIX permissions
            }
        }
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }
}
