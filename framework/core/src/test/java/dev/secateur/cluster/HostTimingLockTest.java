package dev.secateur.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Timed sections never overlap on one machine: not between threads, and not between JVMs (two workers). */
class HostTimingLockTest {

    @TempDir
    Path dir;

    /** Run by the test in a second JVM: holds the machine's timing lock for a while. */
    public static final class Holder {
        public static void main(String[] args) {
            new HostTimingLock(Path.of(args[0])).exclusive(() -> {
                System.out.println("held");
                System.out.flush();
                try {
                    Thread.sleep(Long.parseLong(args[1]));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                System.out.println("released " + System.currentTimeMillis());
                System.out.flush();
                return null;
            });
        }
    }

    @Test
    void aSectionWaitsWhileAnotherJvmOnThisMachineIsTiming() throws Exception {
        var file = dir.resolve("timing.lock");
        String java = ProcessHandle.current().info().command().orElse("java");
        var other = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Holder.class.getName(), file.toString(), "1500")
                .redirectErrorStream(true).start();
        var out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("held");
        long started = new HostTimingLock(file).exclusive(System::currentTimeMillis);
        String released = out.readLine();
        assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(released).startsWith("released ");
        assertThat(started).as("this section starts once the other JVM's has ended")
                .isGreaterThanOrEqualTo(Long.parseLong(released.substring("released ".length())));
    }

    @Test
    void threadsOfOneJvmTakeTurnsAndANestedSectionDoesNotDeadlock() throws Exception {
        var lock = new HostTimingLock(dir.resolve("timing.lock"));
        var intervals = Collections.synchronizedList(new ArrayList<long[]>());
        var threads = new ArrayList<Thread>();
        for (int t = 0; t < 3; t++) {
            threads.add(new Thread(() -> {
                for (int i = 0; i < 4; i++) {
                    lock.exclusive(() -> {
                        long start = System.nanoTime();
                        lock.exclusive(() -> null); // Evaluator inside a timed probe, say
                        sleep(10);
                        intervals.add(new long[]{start, System.nanoTime()});
                        return null;
                    });
                }
            }));
        }
        threads.forEach(Thread::start);
        for (var thread : threads) {
            thread.join();
        }
        List<long[]> sorted = new ArrayList<>(intervals);
        sorted.sort((a, b) -> Long.compare(a[0], b[0]));
        assertThat(sorted).hasSize(12);
        for (int i = 1; i < sorted.size(); i++) {
            assertThat(sorted.get(i)[0]).isGreaterThanOrEqualTo(sorted.get(i - 1)[1]);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
