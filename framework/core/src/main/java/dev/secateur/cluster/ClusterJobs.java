package dev.secateur.cluster;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.FailureCode;
import dev.secateur.errors.BadInputException;
import dev.secateur.errors.RunCancelledException;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's side of the cluster: it sends independent jobs to the workers that have a free slot, ships
 * each worker a model once (the first job that needs it carries it), and counts what crosses to each worker.
 * A worker that leaves the cluster (Hazelcast notices a killed JVM by its missed heartbeats) has its jobs sent
 * to the others; a job that fails on a worker fails as it would locally, naming the worker. Every job waits at
 * most its stage's timeout, and a job waits for a worker at most that long too.
 */
public final class ClusterJobs {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterJobs.class);

    /** What crossed to one worker, and what it did. */
    public record Ledger(String worker, long modelBytes, int models, long jobBytes, int jobs) {
    }

    private static final int MAX_RESENDS = 3;
    /** The least a worker is given to confirm it stopped a job. */
    private static final Duration CANCEL_WAIT = Duration.ofMinutes(2);

    private final ClusterNode node;
    private final Map<String, Worker> workers = new LinkedHashMap<>();
    private final Deque<Pending> queue = new ArrayDeque<>();
    private final Map<String, Ledger> ledgers = new LinkedHashMap<>();
    private long refreshTimer = -1;
    private long lastRefresh;
    /** Workers' entries already warned about, so a bad entry is logged once, not twice a second. */
    private final Set<String> warned = new HashSet<>();

    public ClusterJobs(ClusterNode node) {
        this.node = node;
        node.onMemberLeft(this::memberLeft);
    }

    public ClusterNode node() {
        return node;
    }

    /**
     * Runs one job on some worker.
     *
     * @param model   the model the job needs, shipped first to a worker that lacks it; null for none
     * @param timeout the stage's timeout: the longest the job may run, and wait for a worker
     * @param setting the configuration key to raise when it times out, such as timeoutSeconds.evaluator
     */
    public Future<JsonObject> submit(JsonObject job, ModelWire model, Duration timeout, String setting) {
        var pending = new Pending(job, model, timeout, setting, Promise.promise(), System.nanoTime());
        synchronized (this) {
            queue.add(pending);
        }
        pump();
        return pending.promise.future();
    }

    /**
     * Cancels the jobs {@code which} picks: a queued one never goes out, one in flight is cancelled on its worker
     * (whose slot frees once the worker says it stopped). Each fails with {@code why}, as a cancelled run.
     *
     * @return how many jobs were cancelled
     */
    public int cancel(Predicate<JsonObject> which, String why) {
        var cancelled = new ArrayList<Pending>();
        var onWorkers = new ArrayList<Map.Entry<Worker, Pending>>();
        synchronized (this) {
            for (var it = queue.iterator(); it.hasNext(); ) {
                var pending = it.next();
                if (which.test(pending.job)) {
                    it.remove();
                    cancelled.add(pending);
                }
            }
            for (var worker : workers.values()) {
                for (var it = worker.inFlight.iterator(); it.hasNext(); ) {
                    var pending = it.next();
                    if (which.test(pending.job)) {
                        it.remove();
                        pending.attempt++; // its answer, if any still comes, is ignored
                        cancelled.add(pending);
                        onWorkers.add(Map.entry(worker, pending));
                    }
                }
            }
        }
        onWorkers.forEach(e -> cancelOnWorker(e.getKey(), e.getValue()));
        cancelled.forEach(p -> p.promise.tryFail(new RunCancelledException(why)));
        return cancelled.size();
    }

    /** The jobs a worker holds now: sent and not answered, or timed out and not yet confirmed stopped. */
    public synchronized int busy(String nodeId) {
        var worker = workers.get(nodeId);
        return worker == null ? 0 : worker.busy;
    }

    /** What crossed to each worker so far, by worker. */
    public synchronized Map<String, Ledger> ledgers() {
        return Map.copyOf(ledgers);
    }

    /** One line per worker: jobs, models and bytes shipped; for the console at the end of a script. */
    public synchronized List<String> summary() {
        return ledgers.values().stream().map(l -> "cluster: worker " + l.worker() + " ran " + l.jobs() + " job(s); shipped "
                + l.models() + " model(s), " + kib(l.modelBytes()) + ", and " + kib(l.jobBytes()) + " of job messages").toList();
    }

    private static String kib(long bytes) {
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }

    private void pump() {
        List<Runnable> sends = new ArrayList<>();
        List<Pending> expired = new ArrayList<>();
        synchronized (this) {
            refreshWorkers();
            while (!queue.isEmpty()) {
                var worker = workers.values().stream().filter(w -> !w.gone && w.busy < w.info.capacity())
                        .min(Comparator.comparingInt((Worker w) -> w.models.containsKey(modelOf(queue.peek())) ? 0 : 1)
                                .thenComparingInt(w -> w.busy)).orElse(null);
                if (worker == null) {
                    break;
                }
                var pending = queue.poll();
                pending.attempt++;
                worker.busy++;
                worker.inFlight.add(pending);
                int attempt = pending.attempt;
                sends.add(() -> send(worker, pending, attempt));
            }
            long now = System.nanoTime();
            for (var it = queue.iterator(); it.hasNext(); ) {
                var pending = it.next();
                if (now - pending.queuedAt > pending.timeout.toNanos()) {
                    it.remove();
                    expired.add(pending);
                }
            }
            if (!queue.isEmpty() && refreshTimer < 0) {
                // look again for workers: one may join, or a slot may free up on a worker that answers late
                refreshTimer = node.vertx().setTimer(500, id -> {
                    synchronized (this) {
                        refreshTimer = -1;
                    }
                    pump();
                });
            }
        }
        expired.forEach(p -> p.promise.tryFail(new BadInputException("no cluster worker took the job within "
                + p.timeout.toSeconds() + " s: " + describeWorkers() + "; start workers with bin/secateur worker (same cluster "
                + "name and members), or raise " + p.setting)));
        sends.forEach(Runnable::run);
    }

    private static String modelOf(Pending pending) {
        return pending == null || pending.model == null ? "" : pending.model.sha256();
    }

    private synchronized String describeWorkers() {
        var alive = workers.values().stream().filter(w -> !w.gone).map(w -> w.info.describe()).toList();
        return alive.isEmpty() ? "none has joined cluster '" + node.clusterName() + "' with this cluster's secret ("
                + node.signatures().secretFile() + ")" : "workers " + alive + " were busy";
    }

    /** Adds workers that stated themselves since, looking at most twice a second; called with the lock held. */
    private void refreshWorkers() {
        long now = System.nanoTime();
        boolean anyAlive = workers.values().stream().anyMatch(w -> !w.gone);
        if (anyAlive && now - lastRefresh < 500_000_000L) {
            return;
        }
        lastRefresh = now;
        for (var info : ClusterWorker.listed(node, (member, why) -> {
            if (warned.add(member + why)) {
                LOG.warn("cluster member {} has an entry in the map of workers that is skipped: {}", member, why);
            }
        })) {
            workers.computeIfAbsent(info.nodeId(), id -> new Worker(info));
        }
    }

    private void send(Worker worker, Pending pending, int attempt) {
        Future<Void> shipped = pending.model == null ? Future.succeededFuture() : ship(worker, pending.model);
        shipped.compose(v -> {
                    // signed for this worker: another cannot replay it, and its reply must answer this nonce
                    var envelope = node.signatures().seal(Signatures.JOB, worker.info.nodeId(), pending.job);
                    synchronized (this) {
                        if (pending.attempt != attempt) {
                            // cancelled, or sent elsewhere, while its model was shipped: it never goes out
                            return Future.<JsonObject>failedFuture(new RunCancelledException("the job was withdrawn"));
                        }
                        pending.nonce = Signatures.nonce(envelope);
                    }
                    account(worker, 0, 0, envelope.toBuffer().length(), 0);
                    return node.vertx().eventBus().request(Addresses.clusterJobs(worker.info.nodeId()), envelope,
                                    new DeliveryOptions().setSendTimeout(pending.timeout.toMillis()))
                            .map(reply -> node.signatures().open(reply.body(), Signatures.REPLY, Signatures.nonce(envelope)));
                })
                .onComplete(done -> finished(worker, pending, attempt, done));
    }

    /** The model once per worker: later jobs wait on the same shipment. */
    private Future<Void> ship(Worker worker, ModelWire model) {
        synchronized (this) {
            var shipment = worker.models.get(model.sha256());
            if (shipment != null) {
                return shipment;
            }
            var header = node.signatures().seal(Signatures.MODEL, worker.info.nodeId(),
                    new JsonObject().put("sha256", model.sha256()).put("bytes", model.bytes().length)).encode();
            var head = Buffer.buffer(header, StandardCharsets.UTF_8.name());
            var buffer = Buffer.buffer(4 + head.length() + model.bytes().length).appendInt(head.length()).appendBuffer(head)
                    .appendBytes(model.bytes());
            var sent = node.vertx().eventBus().request(Addresses.clusterModels(worker.info.nodeId()), buffer,
                            new DeliveryOptions().setSendTimeout(Duration.ofMinutes(5).toMillis()))
                    .map(reply -> node.signatures().open(reply.body(), Signatures.REPLY, node.signatures().nonceOf(header)))
                    .<Void>mapEmpty();
            account(worker, buffer.length(), 1, 0, 0);
            // a failed shipment is tried again by the job's next attempt
            sent.onFailure(e -> {
                synchronized (this) {
                    worker.models.remove(model.sha256());
                }
            });
            worker.models.put(model.sha256(), sent);
            return sent;
        }
    }

    private void finished(Worker worker, Pending pending, int attempt, AsyncResult<JsonObject> result) {
        var error = result.cause();
        boolean resend = false;
        boolean cancel = false;
        synchronized (this) {
            if (pending.attempt != attempt || pending.promise.future().isComplete()) {
                return; // a late answer from a worker whose jobs went elsewhere
            }
            worker.inFlight.remove(pending);
            if (result.succeeded()) {
                worker.busy--;
                account(worker, 0, 0, 0, 1);
            } else if (error instanceof Signatures.Refused && pending.resent < MAX_RESENDS) {
                // an answer not signed with the secret is never used; that worker gets no more jobs, this one goes elsewhere
                LOG.warn("refused the answer of cluster worker {}: {}; its jobs go to other workers", worker.info.describe(),
                        error.getMessage());
                worker.busy--;
                worker.gone = true;
                resend = requeue(pending);
            } else if (modelMissing(error) && pending.resent < MAX_RESENDS) {
                // the worker evicted the model to stay under its bound: ship it again with the next attempt
                worker.busy--;
                worker.models.remove(modelOf(pending));
                resend = requeue(pending);
            } else if (lostWorker(error) && pending.resent < MAX_RESENDS) {
                // the worker died, is leaving, or cannot be reached (a killed JVM refuses connections before Hazelcast
                // declares it dead): no more jobs go to it, and this one goes to another
                worker.busy--;
                worker.gone = true;
                resend = requeue(pending);
            } else if (timedOut(error)) {
                cancel = true; // the slot stays taken until the worker says the job stopped
            } else {
                worker.busy--;
            }
        }
        if (cancel) {
            cancelOnWorker(worker, pending);
        }
        if (resend) {
            pump();
            return;
        }
        pump();
        if (result.succeeded()) {
            pending.promise.tryComplete(result.result());
        } else if (timedOut(error)) {
            pending.promise.tryFail(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, FailureCode.TIMEOUT.code(),
                    "worker " + worker.info.describe() + " did not answer within " + pending.timeout.toSeconds() + " s; raise "
                            + pending.setting + " in the configuration (--config FILE) for bigger models or data"));
        } else if (error instanceof Signatures.Refused) {
            pending.promise.tryFail(new IllegalStateException("cluster workers answered without this cluster's signature "
                    + MAX_RESENDS + " times: " + error.getMessage()));
        } else {
            pending.promise.tryFail(error);
        }
    }

    /** Back to the head of the queue for another worker; called with the lock held. */
    private boolean requeue(Pending pending) {
        pending.resent++;
        pending.queuedAt = System.nanoTime();
        queue.addFirst(pending);
        return true;
    }

    /**
     * Tells a worker to stop a job that ran past its time; its slot frees once the worker says the job stopped, or,
     * when the worker does not answer within the job's timeout again (2 minutes at least), never: the worker is
     * taken for lost.
     */
    private void cancelOnWorker(Worker worker, Pending pending) {
        String job;
        synchronized (this) {
            job = pending.nonce;
            if (job == null) {
                worker.busy--; // it never reached the worker: there is nothing to stop
            }
        }
        if (job == null) {
            pump();
            return;
        }
        var envelope = node.signatures().seal(Signatures.CANCEL, worker.info.nodeId(), new JsonObject().put("job", job));
        // an experiment stops at its next stage boundary, a probe when it is measured: give it the job's time again
        long wait = Math.max(pending.timeout.toMillis(), CANCEL_WAIT.toMillis());
        node.vertx().eventBus().request(Addresses.clusterCancels(worker.info.nodeId()), envelope,
                        new DeliveryOptions().setSendTimeout(wait))
                .map(reply -> node.signatures().open(reply.body(), Signatures.REPLY, Signatures.nonce(envelope)))
                .onComplete(done -> {
                    synchronized (this) {
                        if (done.succeeded()) {
                            worker.busy--;
                        } else {
                            LOG.warn("cluster worker {} did not confirm it stopped a job past its time ({}); it gets no more jobs",
                                    worker.info.describe(), done.cause().getMessage());
                            worker.gone = true;
                        }
                    }
                    pump();
                });
    }

    private static boolean timedOut(Throwable error) {
        return error instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT;
    }

    private static boolean modelMissing(Throwable error) {
        return error instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE
                && String.valueOf(reply.getMessage()).contains(ModelCache.MISSING);
    }

    /** Whether a failure says the worker is gone rather than the job failed or ran out of time there. */
    private static boolean lostWorker(Throwable error) {
        return !(error instanceof ReplyException reply) && !(error instanceof Signatures.Refused)
                || error instanceof ReplyException r && r.failureType() != ReplyFailure.RECIPIENT_FAILURE
                && r.failureType() != ReplyFailure.TIMEOUT;
    }

    /** Hazelcast says a member left: its jobs in flight go back to the head of the queue. */
    private void memberLeft(String nodeId) {
        synchronized (this) {
            var worker = workers.get(nodeId);
            if (worker == null || worker.gone) {
                return;
            }
            worker.gone = true;
            for (var pending : worker.inFlight) {
                pending.attempt++; // whatever that worker still answers is ignored
                pending.queuedAt = System.nanoTime();
                queue.addFirst(pending);
            }
            LOG.warn("cluster worker {} left the cluster; {} job(s) go to the other workers", worker.info.describe(), worker.inFlight.size());
            worker.inFlight.clear();
            worker.busy = 0;
        }
        pump();
    }

    private void account(Worker worker, long modelBytes, int models, long jobBytes, int jobs) {
        synchronized (this) {
            ledgers.merge(worker.info.describe(), new Ledger(worker.info.describe(), modelBytes, models, jobBytes, jobs),
                    (a, b) -> new Ledger(a.worker(), a.modelBytes() + b.modelBytes(), a.models() + b.models(),
                            a.jobBytes() + b.jobBytes(), a.jobs() + b.jobs()));
        }
    }

    private static final class Worker {
        final ClusterWorker.Info info;
        final Map<String, Future<Void>> models = new HashMap<>();
        final Set<Pending> inFlight = new LinkedHashSet<>();
        int busy;
        boolean gone;

        Worker(ClusterWorker.Info info) {
            this.info = info;
        }
    }

    private static final class Pending {
        final JsonObject job;
        final ModelWire model;
        final Duration timeout;
        final String setting;
        final Promise<JsonObject> promise;
        long queuedAt;
        /** The nonce of the envelope last sent for it: what its reply and a cancel name. */
        String nonce;
        int attempt;
        /** Times the job went to another worker after losing one; bounded, so a job that kills workers stops. */
        int resent;

        Pending(JsonObject job, ModelWire model, Duration timeout, String setting, Promise<JsonObject> promise, long queuedAt) {
            this.job = job;
            this.model = model;
            this.timeout = timeout;
            this.setting = setting;
            this.promise = promise;
            this.queuedAt = queuedAt;
        }
    }
}
