package dev.secateur.evaluate;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * Where wall time is measured (latency passes), so that timings on one machine never overlap: two timed
 * passes at once would each measure the other's load. Within a JVM the stages already time one thing at a
 * time; a cluster worker installs a guard that holds a lock shared by every JVM on its host.
 */
public final class TimedSection {

    /** Runs a timed section exclusively. */
    public interface Guard {
        <T> T exclusive(Supplier<T> timed);
    }

    private static final Guard UNGUARDED = new Guard() {
        @Override
        public <T> T exclusive(Supplier<T> timed) {
            return timed.get();
        }
    };

    private static volatile Guard guard = UNGUARDED;

    private TimedSection() {
    }

    /** Installs the JVM's guard; a cluster worker calls it once at start. */
    public static void install(Guard installed) {
        guard = Objects.requireNonNull(installed, "guard");
    }

    /** Puts back the JVM's default, if {@code installed} is still the guard: a worker that stops calls it. */
    public static void uninstall(Guard installed) {
        if (guard == installed) {
            guard = UNGUARDED;
        }
    }

    public static <T> T run(Supplier<T> timed) {
        return guard.exclusive(timed);
    }
}
