package dev.secateur.cli;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.RunEvent;
import dev.secateur.runtime.Secateur;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Ends a script that runs too long: past {@code --timeout} in all, or, without it, past the configured limit
 * of time spent outside experiments (a runaway loop that never starts one). It cancels the experiment in
 * progress, if any, and interrupts the script's thread; scripts are compiled with interrupt checks in loops.
 */
final class ScriptWatchdog implements AutoCloseable {

    private final Secateur secateur;
    private final Thread script;
    private final Duration timeout;
    private final Duration outsideExperiments;
    private final long started = System.nanoTime();
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(r -> {
        var thread = new Thread(r, "secateur-script-watchdog");
        thread.setDaemon(true);
        return thread;
    });
    private final List<MessageConsumer<RunEvent>> consumers = new ArrayList<>();
    private volatile String running;
    private volatile String runningDir;
    /** The directory of the run in progress when the script was stopped. */
    private volatile String stoppedDir;
    private volatile String signal;
    private final BooleanSupplier inExperiment;
    private long outsideNanos;
    private long lastTick = System.nanoTime();
    private volatile String reason;

    /**
     * @param timeout            the whole script's limit, or null for none
     * @param outsideExperiments the limit on time outside experiments, which applies when {@code timeout} is null
     */
    ScriptWatchdog(Secateur secateur, Thread script, Duration timeout, Duration outsideExperiments,
                   BooleanSupplier inExperiment) {
        this.inExperiment = inExperiment;
        this.secateur = secateur;
        this.script = script;
        this.timeout = timeout;
        this.outsideExperiments = outsideExperiments;
        var bus = secateur.vertx().eventBus();
        consumers.add(bus.<RunEvent>consumer(Addresses.RUN_STARTED, m -> {
            running = m.body().runId();
            runningDir = ((RunEvent.RunStarted) m.body()).runDir();
        }));
        for (String end : List.of(Addresses.RUN_COMPLETED, Addresses.RUN_FAILED, Addresses.RUN_CANCELLED)) {
            consumers.add(bus.<RunEvent>consumer(end, m -> ended()));
        }
        clock.scheduleAtFixedRate(this::tick, 100, 100, TimeUnit.MILLISECONDS);
    }

    /** Why the script was stopped, or null if it was not. */
    String reason() {
        return reason;
    }

    /** The signal that stopped the script (INT or TERM), or null. */
    String signal() {
        return signal;
    }

    /** The directory of the run in progress when the script was stopped, or null. */
    String stoppedRunDir() {
        return stoppedDir;
    }

    /**
     * SIGINT or SIGTERM: the run in progress stops at its next safe point, marked INTERRUPTED (its last
     * checkpoint resumes it), and the script's thread is interrupted.
     */
    synchronized void interruptBy(String signalName) {
        if (reason != null) {
            return;
        }
        signal = signalName;
        reason = "interrupted by SIG" + signalName;
        stoppedDir = runningDir;
        String run = running;
        if (run != null) {
            secateur.experiments().interrupt(run);
        }
        script.interrupt();
    }

    /** Waits, up to {@code limit}, until no experiment is running (a stopped one has written its marker). */
    synchronized void awaitNoRun(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            while (running != null && System.nanoTime() < deadline) {
                wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void ended() {
        running = null;
        runningDir = null;
        notifyAll();
    }

    private synchronized void tick() {
        long now = System.nanoTime();
        if (running == null && !inExperiment.getAsBoolean()) {
            outsideNanos += now - lastTick;
        }
        lastTick = now;
        if (reason != null) {
            return;
        }
        if (timeout != null && now - started > timeout.toNanos()) {
            stop("the script ran past --timeout " + Durations.describe(timeout));
        } else if (timeout == null && outsideNanos > outsideExperiments.toNanos()) {
            stop("the script ran for " + Durations.describe(outsideExperiments) + " outside any experiment, which looks like a "
                    + "loop that never ends; give it longer with --timeout, or timeoutSeconds.script in config/application.json");
        }
    }

    private void stop(String why) {
        reason = why;
        stoppedDir = runningDir;
        String run = running;
        if (run != null) {
            secateur.experiments().cancel(run);
        }
        script.interrupt();
    }

    @Override
    public void close() {
        clock.shutdownNow();
        consumers.forEach(MessageConsumer::unregister);
    }
}
