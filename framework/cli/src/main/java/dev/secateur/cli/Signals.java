package dev.secateur.cli;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C and SIGTERM while a script runs: the first stops the run at its next safe point (the command then
 * exits 130 or 143, as a shell expects of a process a signal ended); a second ends the process at once,
 * leaving the last committed checkpoint as it was. Without this, the JVM would exit with no marker and no word.
 */
final class Signals implements AutoCloseable {

    private static final String[] NAMES = {"INT", "TERM"};
    private final SignalHandler[] previous = new SignalHandler[NAMES.length];
    private final AtomicBoolean signalled = new AtomicBoolean();

    private Signals(Consumer<String> onFirst) {
        for (int i = 0; i < NAMES.length; i++) {
            String name = NAMES[i];
            previous[i] = Signal.handle(new Signal(name), signal -> {
                if (signalled.getAndSet(true)) {
                    System.err.println("secateur: SIG" + name + " again: stopped at once; the run resumes from its last "
                            + "checkpoint with bin/secateur resume");
                    System.err.flush();
                    Runtime.getRuntime().halt(exitCode(name));
                }
                onFirst.accept(name);
            });
        }
    }

    static Signals onInterrupt(Consumer<String> onFirst) {
        return new Signals(onFirst);
    }

    /** 128 plus the signal's number, as shells report a process a signal ended. */
    static int exitCode(String signal) {
        return "INT".equals(signal) ? 130 : 143;
    }

    @Override
    public void close() {
        for (int i = 0; i < NAMES.length; i++) {
            Signal.handle(new Signal(NAMES[i]), previous[i]);
        }
    }
}
