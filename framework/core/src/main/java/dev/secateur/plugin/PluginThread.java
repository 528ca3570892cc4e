package dev.secateur.plugin;

import dev.secateur.errors.PluginFailedException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs plugin code on a thread of its own, so that whatever the plugin does (throw an {@link Error}, loop,
 * ignore its interrupt) stays with that thread. One thread is reused from call to call (ND4J keeps its
 * workspaces per thread, so a stage holds one set); a thread that does not stop when interrupted is
 * abandoned, left running as a daemon, and the next call gets a fresh one.
 */
public final class PluginThread implements AutoCloseable {

    /** How long an interrupted call may take to stop before its thread is abandoned. */
    public static final Duration GRACE = Duration.ofSeconds(2);

    private final String name;
    private final AtomicInteger generation = new AtomicInteger();
    private ExecutorService thread;

    public PluginThread(String name) {
        this.name = name;
        this.thread = newThread();
    }

    private ExecutorService newThread() {
        String threadName = name + "-" + generation.incrementAndGet();
        return Executors.newSingleThreadExecutor(runnable -> {
            var t = new Thread(runnable, threadName);
            // an abandoned thread must not keep the JVM alive
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs {@code work} and waits for it at most {@code limit} (null: until it ends, or the caller is
     * interrupted). Its own exceptions and errors come back unchanged; a checked one is wrapped.
     *
     * @param who names the plugin in errors, for example {@code "plugins/slow.groovy: saliency 'slow'"}
     * @throws PluginFailedException when it did not finish in time, or the caller was interrupted (then the
     *                               interrupt flag is set again); {@link PluginAbandonedException} when its
     *                               thread ignored the interrupt and was abandoned
     */
    public <T> T call(String who, Duration limit, Callable<T> work) {
        return call(() -> who, limit, work);
    }

    /** The same, with the plugin named when an error is made: what it was doing by then. */
    public <T> T call(Supplier<String> who, Duration limit, Callable<T> work) {
        var ended = new CountDownLatch(1);
        Future<T> future;
        synchronized (this) {
            future = thread.submit(() -> {
                try {
                    return work.call();
                } finally {
                    ended.countDown();
                }
            });
        }
        String late;
        boolean interrupted = false;
        try {
            return limit == null ? future.get() : future.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw rethrow(who.get(), e.getCause());
        } catch (TimeoutException e) {
            late = who.get() + " did not finish within " + seconds(limit) + " s";
        } catch (InterruptedException e) {
            interrupted = true;
            late = who.get() + " was stopped";
        }
        // too late, or the caller was stopped: interrupt the plugin and give it a moment to notice
        future.cancel(true);
        boolean stopped;
        try {
            stopped = ended.await(GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
            stopped = false;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (!stopped) {
            abandon();
            throw new PluginAbandonedException(late + " and ignored its interrupt for " + seconds(GRACE) + " s more; its thread "
                    + "was left running as a daemon (it may keep using a core until the process ends) and the next call gets a "
                    + "fresh thread. Fix the plugin so that its loops end or check Thread.interrupted(), then replace the file");
        }
        throw new PluginFailedException(late + "; it was interrupted");
    }

    /** Leaves the current thread to whatever it is doing; the next call runs on a new one. */
    private synchronized void abandon() {
        thread.shutdown();
        thread = newThread();
    }

    private static RuntimeException rethrow(String who, Throwable cause) {
        if (cause instanceof RuntimeException unchecked) {
            return unchecked;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        // Groovy throws checked exceptions undeclared (an InterruptedException from its loop checks)
        return new PluginFailedException(who + " threw " + cause, cause);
    }

    private static long seconds(Duration limit) {
        return Math.max(1, (limit.toMillis() + 999) / 1000);
    }

    @Override
    public synchronized void close() {
        thread.shutdownNow();
    }

    /** A plugin call that did not stop when interrupted: its thread was left running. */
    public static final class PluginAbandonedException extends PluginFailedException {
        public PluginAbandonedException(String message) {
            super(message);
        }
    }
}
