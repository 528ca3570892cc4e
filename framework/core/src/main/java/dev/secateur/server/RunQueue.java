package dev.secateur.server;

import dev.secateur.bus.ExperimentClient;
import dev.secateur.bus.FailureCode;
import dev.secateur.bus.RunFailedException;
import dev.secateur.bus.StageReply;
import dev.secateur.record.RunDirectory;
import dev.secateur.record.RunIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The runs a server knows before their directories say everything: declared by a submitted script, waiting
 * for a free slot, or running. At most {@code slots} experiments run at once, first come first served; a
 * script's thread waits here for its turn, to run a new experiment or to resume one.
 */
final class RunQueue {

    /**
     * A run the queue knows; {@code status} is QUEUED, RUNNING or CANCELLED (cancelled before it started, kept
     * for as long as the server runs).
     */
    record Entry(String runId, String experiment, String submission, RunIndex.Status status) {
    }

    private static final class Slot {
        final String experiment;
        final String submission;
        volatile RunIndex.Status status = RunIndex.Status.QUEUED;

        Slot(String experiment, String submission) {
            this.experiment = experiment;
            this.submission = submission;
        }
    }

    /** What a cancel request found. */
    enum Cancelled {
        /** It had not started, and now never will. */
        BEFORE_START,
        /** It had been cancelled before it started already. */
        ALREADY,
        /** It was running and stops at its next stage boundary. */
        STOPPING,
        /** The queue does not know it: finished, or never submitted here. */
        NOT_LIVE
    }

    private final ExperimentClient experiments;
    private final Path runsDir;
    private final Semaphore slots;
    private final Map<String, Slot> entries = new ConcurrentHashMap<>();

    RunQueue(ExperimentClient experiments, Path runsDir, int concurrent) {
        this.experiments = experiments;
        this.runsDir = runsDir;
        this.slots = new Semaphore(concurrent, true);
    }

    /** A run a script declared, shown as QUEUED until it starts. */
    void declare(String runId, String experiment, String submission) {
        entries.putIfAbsent(runId, new Slot(experiment, submission));
    }

    /**
     * Drops what the queue knows of a run: it finished, or its script ended before reaching it. A run cancelled
     * before it started has no directory to say so, so the queue keeps showing it as CANCELLED.
     */
    void forget(String runId) {
        entries.computeIfPresent(runId, (id, slot) -> slot.status == RunIndex.Status.CANCELLED ? slot : null);
    }

    /** A declared run its script will never reach, because the script stopped on an error or a cancel. */
    void abandon(String runId) {
        var slot = entries.get(runId);
        if (slot != null) {
            synchronized (slot) {
                if (slot.status == RunIndex.Status.QUEUED) {
                    slot.status = RunIndex.Status.CANCELLED;
                }
            }
        }
    }

    /**
     * Does a run's work (runs or resumes it) when a slot is free, and waits for it; call it from a script's thread.
     *
     * @throws RunFailedException when the run fails, or with {@link FailureCode#CANCELLED} when it was cancelled
     */
    StageReply.ExperimentDone run(String runId, String experiment, String submission, Supplier<StageReply.ExperimentDone> work) {
        var slot = entries.computeIfAbsent(runId, id -> new Slot(experiment, submission));
        try {
            while (!slots.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                if (slot.status == RunIndex.Status.CANCELLED) {
                    throw cancelledBeforeStart(runId);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunFailedException(FailureCode.CANCELLED, "run " + runId + " was interrupted while it waited to start", e);
        }
        try {
            synchronized (slot) {
                if (slot.status == RunIndex.Status.CANCELLED) {
                    throw cancelledBeforeStart(runId);
                }
                slot.status = RunIndex.Status.RUNNING;
            }
            return work.get();
        } catch (RunFailedException e) {
            if (e.code() == FailureCode.CANCELLED && !Files.exists(runsDir.resolve(runId).resolve(RunDirectory.SPEC))) {
                slot.status = RunIndex.Status.CANCELLED; // cancelled while its model loaded: no directory says so
            }
            throw e;
        } finally {
            slots.release();
            forget(runId);
        }
    }

    private static RunFailedException cancelledBeforeStart(String runId) {
        return new RunFailedException(FailureCode.CANCELLED, "run " + runId + " was cancelled before it started", null);
    }

    Cancelled cancel(String runId) {
        var slot = entries.get(runId);
        if (slot == null) {
            return Cancelled.NOT_LIVE;
        }
        synchronized (slot) {
            if (slot.status == RunIndex.Status.CANCELLED) {
                return Cancelled.ALREADY;
            }
            if (slot.status != RunIndex.Status.RUNNING) {
                slot.status = RunIndex.Status.CANCELLED;
                return Cancelled.BEFORE_START;
            }
        }
        // the coordinator stops it at its next stage boundary, or at once if its request has not arrived yet
        experiments.cancel(runId);
        return Cancelled.STOPPING;
    }

    boolean isRunning(String runId) {
        var slot = entries.get(runId);
        return slot != null && slot.status == RunIndex.Status.RUNNING;
    }

    /** The runs the queue knows, in no particular order. */
    List<Entry> live() {
        var all = new ArrayList<Entry>();
        entries.forEach((id, slot) -> all.add(new Entry(id, slot.experiment, slot.submission, slot.status)));
        return all;
    }
}
