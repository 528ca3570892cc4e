package dev.secateur.cluster;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.ExperimentClient;
import dev.secateur.bus.FailureCode;
import dev.secateur.bus.RunFailedException;
import dev.secateur.data.Calibration;
import dev.secateur.data.DataSplits;
import dev.secateur.data.Dataset;
import dev.secateur.data.DatasetLoader;
import dev.secateur.errors.BadInputException;
import dev.secateur.errors.RunCancelledException;
import dev.secateur.evaluate.TimedSection;
import dev.secateur.model.ModelFiles;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.record.RunArchive;
import dev.secateur.record.Checkpoints;
import dev.secateur.score.LossProbes;
import dev.secateur.sensitivity.SensitivityProbe;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spi.ParamRef;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster worker: it states its host and capacity in the cluster's map of workers, then takes jobs on its
 * own addresses, at most {@code capacity} at once. It runs only the job types named here (a sensitivity probe,
 * a sweep's experiment), each decoded through validating constructors; nothing sent can make it run code.
 * Models arrive once, as bytes named by their SHA-256, and stay cached here; data comes from this machine's own
 * copy, and a job whose data digest differs from the coordinator's is refused.
 */
public final class ClusterWorker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterWorker.class);

    /** What a worker states about itself in the map of workers. */
    public record Info(String nodeId, String host, int capacity, long pid) {
        JsonObject json() {
            return new JsonObject().put("nodeId", nodeId).put("host", host).put("capacity", capacity).put("pid", pid);
        }

        static Info of(JsonObject json) {
            if (!(json.getValue("nodeId") instanceof String id) || !(json.getValue("host") instanceof String host)
                    || !(json.getValue("capacity") instanceof Integer capacity) || !(json.getValue("pid") instanceof Number pid)
                    || id.length() < 8) {
                throw new IllegalArgumentException("the entry lacks nodeId, host, capacity or pid: " + json.encode());
            }
            return new Info(id, host, capacity, pid.longValue());
        }

        /** "host/1a2b3c4d (pid 123)": how messages name a worker. */
        public String describe() {
            return host + "/" + nodeId.substring(0, 8) + " (pid " + pid + ")";
        }
    }

    private final ClusterNode node;
    private final Info info;
    private final Path workDir;
    private final DatasetLoader datasets;
    private final ExperimentClient experiments;
    private final WorkerExecutor executor;
    private final Consumer<String> say;
    /** Timed sections in this JVM hold the machine's timing lock while this worker runs. */
    final TimedSection.Guard timingGuard;
    private final ModelCache models;
    private final DataDirectories dataDirs;
    private final Signatures signatures;
    /** Jobs running here, by the nonce of the message that sent them: what a cancel names. */
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    /** Networks ready for jobs, by model digest; the least recently used models' copies are let go. */
    private final Map<String, Queue<Network>> idleCopies = lastUsed(4);
    /** Data by source and seed: a full Fashion-MNIST is about 220 MB of floats, so only a few are kept. */
    private final Map<String, DataSplits> data = lastUsed(2);
    private final Map<String, Dataset> calibrations = lastUsed(8);
    private final Map<String, String> sourceDigests = new ConcurrentHashMap<>();

    /** A job in progress: the run id of an experiment (null for a probe), and what completes when it stops. */
    private record Running(String runId, Promise<Void> stopped) {
    }

    private ClusterWorker(ClusterNode node, Info info, Path workDir, DatasetLoader datasets, ExperimentClient experiments,
                          Consumer<String> say, DataDirectories dataDirs, long modelCacheBytes) {
        this.say = say;
        this.dataDirs = dataDirs;
        this.signatures = node.signatures();
        this.models = new ModelCache(workDir.resolve("models"), modelCacheBytes);
        this.node = node;
        this.info = info;
        this.workDir = workDir;
        this.datasets = datasets;
        this.experiments = experiments;
        this.executor = node.vertx().createSharedWorkerExecutor("secateur-cluster-jobs", info.capacity(), 7, TimeUnit.DAYS);
        this.timingGuard = new HostTimingLock(HostTimingLock.DEFAULT);
    }

    /**
     * Starts taking jobs.
     *
     * @param experiments     the local Secateur that runs a sweep's experiments here
     * @param dataDirs        the only directories a job may read data from
     * @param modelCacheBytes the most the received models may take on disk; the least recently used go first
     */
    public static ClusterWorker start(ClusterNode node, String host, int capacity, Path workDir, DatasetLoader datasets,
                                      ExperimentClient experiments, Consumer<String> say, DataDirectories dataDirs,
                                      long modelCacheBytes) {
        if (capacity < 1) {
            throw new BadInputException("--capacity " + capacity + " must be 1 or more: the jobs this worker runs at once");
        }
        var info = new Info(node.nodeId(), host, capacity, ProcessHandle.current().pid());
        var worker = new ClusterWorker(node, info, workDir, datasets, experiments, say, dataDirs, modelCacheBytes);
        TimedSection.install(worker.timingGuard);
        var bus = node.vertx().eventBus();
        try {
            // registered across the cluster before the worker states itself, so a coordinator that sees it can send
            Future.all(bus.<Object>consumer(Addresses.clusterModels(info.nodeId()), worker::receiveModel).completion(),
                            bus.<Object>consumer(Addresses.clusterJobs(info.nodeId()), worker::receiveJob).completion(),
                            bus.<Object>consumer(Addresses.clusterCancels(info.nodeId()), worker::receiveCancel).completion())
                    .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the worker's addresses were not registered in the cluster: " + e.getMessage(), e);
        }
        // a plain JSON string, signed: a coordinator believes no entry it cannot verify
        node.hazelcast().<String, String>getMap(Addresses.CLUSTER_WORKERS).put(info.nodeId(),
                node.signatures().seal(Signatures.WORKER, info.nodeId(), info.json()).encode());
        return worker;
    }

    public Info info() {
        return info;
    }

    /** A model: a signed header naming its digest and size, then its bytes; the bytes must have that digest. */
    private void receiveModel(Message<Object> message) {
        JsonObject envelope;
        JsonObject header;
        byte[] bytes;
        try {
            if (!(message.body() instanceof Buffer body)) {
                throw new Signatures.Refused("unsigned model message: not a signed header and bytes");
            }
            int length = body.getInt(0);
            envelope = new JsonObject(body.getString(4, 4 + length, StandardCharsets.UTF_8.name()));
            header = signatures.open(envelope, Signatures.MODEL, info.nodeId());
            bytes = body.getBytes(4 + length, body.length());
        } catch (RuntimeException e) {
            refuse(message, "model", e);
            return;
        }
        String hash = header.getString("sha256");
        executor.executeBlocking(() -> {
            if (!ModelWire.sha256(bytes).equals(hash)) {
                throw new BadInputException("the model sent as " + hash.substring(0, 12) + " arrived with another digest; it was "
                        + "damaged on the way, so it is refused");
            }
            boolean known = models.holds(hash);
            var evicted = models.put(hash, bytes);
            evicted.forEach(idleCopies::remove);
            say.accept("worker: received model " + hash.substring(0, 12) + " (" + bytes.length + " bytes)"
                    + (known ? ", which it held already (another coordinator sent it)" : ", cached")
                    + (evicted.isEmpty() ? "" : "; evicted " + evicted.size() + " least recently used model(s)"));
            return hash;
        }, false).onComplete(done -> answer(message, envelope, done.map(h -> new JsonObject().put("sha256", h))));
    }

    /** A signed envelope and what it carries, once its signature, kind, addressee, age and nonce are checked. */
    private record Opened(JsonObject envelope, JsonObject body) {
    }

    /** The message's envelope opened, or null when it was refused (answered with a failure, and logged). */
    private Opened open(Message<Object> message, String kind, String what) {
        try {
            var envelope = message.body() instanceof JsonObject json ? json : new JsonObject(String.valueOf(message.body()));
            return new Opened(envelope, signatures.open(envelope, kind, info.nodeId()));
        } catch (RuntimeException e) {
            refuse(message, what, e);
            return null;
        }
    }

    private void receiveJob(Message<Object> message) {
        var opened = open(message, Signatures.JOB, "job");
        if (opened == null) {
            return;
        }
        var envelope = opened.envelope();
        var job = opened.body();
        String id = Signatures.nonce(envelope);
        var stopped = Promise.<Void>promise();
        running.put(id, new Running(Jobs.EXPERIMENT.equals(job.getString("type")) ? job.getString("runId") : null, stopped));
        executor.executeBlocking(() -> switch (String.valueOf(job.getString("type"))) {
            case Jobs.PROBE -> probe(job);
            case Jobs.UNIT_LOSS -> unitLoss(job);
            case Jobs.EXPERIMENT -> experiment(job);
            default -> throw new BadInputException("unknown job type '" + job.getString("type")
                    + "'; this worker runs probe, unit-loss and experiment jobs (is the coordinator a newer Secateur?)");
        }, false).onComplete(done -> {
            running.remove(id);
            stopped.tryComplete();
            answer(message, envelope, done);
        });
    }

    /**
     * A coordinator gave up on a job: an experiment is cancelled at its next stage boundary, a probe (seconds) runs
     * out; the answer comes once the job has stopped, so the coordinator frees its slot only then.
     */
    private void receiveCancel(Message<Object> message) {
        var opened = open(message, Signatures.CANCEL, "cancel");
        if (opened == null) {
            return;
        }
        var envelope = opened.envelope();
        var cancel = opened.body();
        var job = cancel.getValue("job") instanceof String id ? running.get(id) : null;
        if (job == null) {
            answer(message, envelope, Future.succeededFuture(new JsonObject().put("stopped", true)));
            return;
        }
        if (job.runId() != null) {
            experiments.cancel(job.runId());
        }
        say.accept("worker: a coordinator cancelled " + (job.runId() != null ? "run " + job.runId() : "a probe") + " that ran past its time");
        job.stopped().future().onComplete(done -> answer(message, envelope, Future.succeededFuture(new JsonObject().put("stopped", true))));
    }

    /** A message that is not signed with this cluster's secret: logged, answered with a refusal, never acted on. */
    private void refuse(Message<?> message, String what, Exception why) {
        LOG.warn("refused a {} message on worker {}: {}", what, info.describe(), why.getMessage());
        message.fail(FailureCode.BAD_INPUT.code(), "refused by worker " + info.describe() + ": " + why.getMessage());
    }

    /** The answer to {@code request}, signed and addressed to the request's nonce, or a failure naming this worker. */
    private void answer(Message<?> message, JsonObject request, AsyncResult<JsonObject> done) {
        if (done.succeeded()) {
            message.reply(signatures.seal(Signatures.REPLY, Signatures.nonce(request), done.result().put("worker", info.describe())));
            return;
        }
        var error = done.cause();
        var code = error instanceof RunFailedException failed ? failed.code() : FailureCode.of(error);
        if (code == FailureCode.STAGE_FAILED && !(error instanceof RunFailedException)) {
            LOG.error("job failed on this worker", error);
        }
        message.fail(code.code(), "on worker " + info.describe() + ": " + FailureCode.messageOf(error));
    }

    /**
     * One sensitivity point: the coordinator's masks applied to a copy of the model, on this machine's data, after the
     * job's retraining (if any) on this machine's copy of the training split.
     */
    private JsonObject probe(JsonObject job) {
        var splits = data(SpecWire.data(job.getJsonObject("data")), job.getLong("seed"), job.getString("dataSha256"));
        int samples = job.getInteger("samples");
        var validation = Calibration.validation(splits, samples, job.getLong("seed"));
        var retraining = Jobs.recovery(job).on(splits, samples, job.getLong("seed"));
        var masks = MaskWire.decode(job.getJsonArray("masks"));
        return withCopy(job.getString("model"), net -> {
            var point = SensitivityProbe.measure(net, masks, validation, retraining, job.getBoolean("timed"), job.getDouble("ratio"));
            return new JsonObject().put("accuracy", point.accuracy())
                    .put("latencyRatio", Double.isNaN(point.latencyRatio()) ? null : point.latencyRatio());
        });
    }

    /** The oracle's measurement of one unit: the calibration loss with that unit of one parameter removed. */
    private JsonObject unitLoss(JsonObject job) {
        long seed = job.getLong("seed");
        var splits = data(SpecWire.data(job.getJsonObject("data")), seed, job.getString("dataSha256"));
        int samples = job.getInteger("calibration");
        var calibration = calibrations.computeIfAbsent(job.getString("dataSha256") + "#" + seed + "#" + samples,
                k -> Calibration.sample(splits, samples, seed));
        var ref = ParamRef.parse(job.getString("param"));
        return withCopy(job.getString("model"), net -> {
            var param = NetworkLayout.prunable(net).stream().filter(p -> p.weights().equals(ref)).findFirst()
                    .orElseThrow(() -> new BadInputException("the model sent has no prunable parameter " + ref));
            return new JsonObject().put("loss", LossProbes.local(net, param, calibration).lossWithoutUnit(job.getInteger("unit")));
        });
    }

    /** A sweep's experiment, run whole by this JVM's own stages; its run directory goes back as a zip. */
    private JsonObject experiment(JsonObject job) {
        String runId = Jobs.runId(job.getString("runId"));
        var spec = SpecWire.decode(job.getJsonObject("spec"));
        sourceDigest(spec.data(), job.getString("dataSha256"));
        if (spec.model() instanceof ModelSpec.Load) {
            spec = spec.withModel(new ModelSpec.Load(cachedModel(job.getString("model"))));
        }
        var runs = workDir.resolve("runs");
        try {
            Files.createDirectories(runs);
            say.accept("worker: experiment " + spec.name() + " started as run " + runId);
            // this is a thread of the cluster's Vert.x, not of the local one the run goes through, so waiting is fine
            var done = experiments.submit(spec, runs, runId).toCompletionStage().toCompletableFuture().get();
            say.accept("worker: experiment " + spec.name() + " finished (run " + runId + ")");
            var dir = done.runDir();
            var archive = RunArchive.zip(dir);
            Checkpoints.deleteRecursively(dir);
            return new JsonObject().put("runId", done.runId()).put("archive", archive);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pack run " + runId + " in " + runs + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunCancelledException("worker " + info.describe() + " stopped during run " + runId, true);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private <T> T withCopy(String hash, Function<Network, T> use) {
        var idle = idleCopies.computeIfAbsent(hash, h -> new ConcurrentLinkedQueue<>());
        var net = idle.poll();
        if (net == null) {
            net = ModelFiles.load(cachedModel(hash));
        }
        try {
            return use.apply(net);
        } finally {
            idle.add(net); // a probe restores what it masked, so the copy is as received
        }
    }

    private Path cachedModel(String hash) {
        return models.get(hash);
    }

    private DataSplits data(DataSpec spec, long seed, String expectedSha256) {
        dataDirs.check(spec.source());
        var splits = data.computeIfAbsent(SpecWire.data(spec).encode() + "#" + seed, k -> datasets.load(spec, seed));
        if (!splits.sha256().equals(expectedSha256)) {
            throw mismatch(splits.source(), splits.sha256(), expectedSha256);
        }
        return splits;
    }

    private void sourceDigest(DataSpec data, String expectedSha256) {
        dataDirs.check(data.source());
        var whole = data.wholeSource();
        String digest = sourceDigests.computeIfAbsent(SpecWire.data(whole).encode(), k -> datasets.load(whole, 0).sha256());
        if (!digest.equals(expectedSha256)) {
            throw mismatch(String.valueOf(datasets.resolve(data.source())), digest, expectedSha256);
        }
    }

    private BadInputException mismatch(String source, String here, String expected) {
        return new BadInputException("the data here (" + source + ", sha256 " + here.substring(0, 12) + "…) is not the "
                + "coordinator's (sha256 " + expected.substring(0, 12) + "…); give every worker the same files, such as "
                + "Debian's dataset-fashion-mnist package, or name a directory that holds the same copy");
    }

    @Override
    public void close() {
        TimedSection.uninstall(timingGuard);
        try {
            node.hazelcast().<String, Object>getMap(Addresses.CLUSTER_WORKERS).delete(info.nodeId());
        } catch (RuntimeException e) {
            // the cluster may be gone already; the coordinators drop workers that left anyway
        }
        executor.close();
    }

    /** A map that keeps its {@code size} most recently used entries. */
    private static <K, V> Map<K, V> lastUsed(int size) {
        return Collections.synchronizedMap(new LinkedHashMap<K, V>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > size;
            }
        });
    }

    /**
     * The workers stated in the cluster's map that are still members, read member by member: an entry that is not
     * a signed JSON string naming its own member is skipped and handed to {@code skipped}, and never used.
     */
    static List<Info> listed(ClusterNode node, BiConsumer<String, String> skipped) {
        var map = node.hazelcast().<String, Object>getMap(Addresses.CLUSTER_WORKERS);
        var found = new ArrayList<Info>();
        for (String member : node.members()) {
            try {
                Object value = map.get(member);
                if (value == null) {
                    continue; // a coordinator, or a worker still starting
                }
                if (!(value instanceof String text)) {
                    throw new IllegalArgumentException("a " + value.getClass().getName() + ", not a JSON string");
                }
                var info = Info.of(node.signatures().openStanding(text, Signatures.WORKER, member));
                if (!member.equals(info.nodeId()) || info.capacity() < 1) {
                    throw new IllegalArgumentException("an entry for member " + info.nodeId() + " with capacity " + info.capacity());
                }
                found.add(info);
            } catch (RuntimeException e) {
                // a member's bad entry costs that member its jobs, never the others theirs
                skipped.accept(member, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
        return found;
    }
}
