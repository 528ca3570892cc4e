package dev.secateur.server;

import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One script sent to the server: the runs it declared, in order, and what it produced (run events, progress,
 * what it printed, how it ended) as a log of JSON lines that a client can replay and then follow. The log is
 * a ring of the last {@code keptLines}: a script printing in a loop costs the server that much and no more,
 * and a late follower is told how many lines came before the first it gets.
 */
final class Submission {

    /** A run the script declares, named before it starts. */
    record Declared(String runId, String experiment) {
    }

    /** Someone following the submission. */
    interface Listener {
        void event(String json);

        void end();
    }

    final String id;
    final String script;
    private final List<Declared> declared;
    private final Set<String> runIds = new HashSet<>();
    private final Deque<String> log = new ArrayDeque<>();
    private final int keptLines;
    private long dropped;
    private final List<Listener> listeners = new ArrayList<>();
    /** The runs whose last event (completed, failed, cancelled) is in the log. */
    private final Set<String> finished = new HashSet<>();
    /** Lines a submission keeps for a late follower, unless the server says otherwise. */
    static final int DEFAULT_KEPT_LINES = 2_000;
    private int next;
    private boolean ended;

    Submission(String id, String script, List<Declared> declared, int keptLines) {
        if (keptLines < 1) {
            throw new IllegalArgumentException("a submission keeps " + keptLines + " lines; it must keep at least 1");
        }
        this.keptLines = keptLines;
        this.id = id;
        this.script = script;
        this.declared = List.copyOf(declared);
        declared.forEach(d -> runIds.add(d.runId()));
    }

    List<Declared> declared() {
        return declared;
    }

    /**
     * The id of the run the script starts now: the next one it declared if the experiment is the one
     * declared there, otherwise a new one (the script took another path than its declaration did).
     */
    synchronized String runIdFor(String experiment, Supplier<String> fresh) {
        if (next < declared.size() && declared.get(next).experiment().equals(experiment)) {
            return declared.get(next++).runId();
        }
        String id = fresh.get();
        runIds.add(id);
        return id;
    }

    /** A run the script resumes rather than starts: when it is the next declared, it is reached. */
    synchronized void resumes(String runId) {
        if (next < declared.size() && declared.get(next).runId().equals(runId)) {
            next++;
        }
    }

    /** The declared runs the script never reached. */
    synchronized List<String> unreached() {
        return declared.subList(next, declared.size()).stream().map(Declared::runId).toList();
    }

    synchronized boolean owns(String runId) {
        return runIds.contains(runId);
    }

    synchronized void append(String json) {
        if (ended) {
            return;
        }
        keep(json);
        listeners.forEach(l -> l.event(json));
    }

    /** A run's last event is in the log. */
    synchronized void finished(String runId) {
        finished.add(runId);
        notifyAll();
    }

    /**
     * Waits until a run's last event is in the log: it travels the bus apart from the reply the script got,
     * and the submission must not end before it, or a follower would miss the run's result.
     */
    synchronized void awaitFinished(String runId, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!finished.contains(runId) && System.currentTimeMillis() < deadline) {
            wait(Math.max(1, deadline - System.currentTimeMillis()));
        }
    }

    /** The last line of the log, then the end for every listener. */
    synchronized void end(String json) {
        if (ended) {
            return;
        }
        keep(json);
        ended = true;
        listeners.forEach(l -> {
            l.event(json);
            l.end();
        });
        listeners.clear();
    }

    private void keep(String json) {
        log.addLast(json);
        if (log.size() > keptLines) {
            log.removeFirst();
            dropped++;
        }
    }

    /** How many lines the ring let go, oldest first. */
    synchronized long dropped() {
        return dropped;
    }

    /** Replays the log so far to a new listener, after a note of the lines no longer kept, then keeps it informed. */
    synchronized void follow(Listener listener) {
        if (dropped > 0) {
            listener.event(new JsonObject().put("type", "dropped").put("lines", dropped).put("message", "the first " + dropped
                    + " lines of submission " + id + " are no longer kept (the server keeps its last " + keptLines + "); the rest follow")
                    .encode());
        }
        log.forEach(listener::event);
        if (ended) {
            listener.end();
        } else {
            listeners.add(listener);
        }
    }

    synchronized void unfollow(Listener listener) {
        listeners.remove(listener);
    }

    synchronized boolean ended() {
        return ended;
    }
}
