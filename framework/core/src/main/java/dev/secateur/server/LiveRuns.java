package dev.secateur.server;

import java.util.List;

/** What the process serving a page knows of runs beyond their directories: which it runs, and which wait. */
interface LiveRuns {

    boolean isRunning(String runId);

    /** Runs with no directory yet: queued, or cancelled before they started. */
    List<RunQueue.Entry> waiting();
}
