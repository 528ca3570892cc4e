package dev.secateur.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.FailureCode;
import dev.secateur.data.Calibration;
import dev.secateur.data.DataSplits;
import dev.secateur.data.DatasetLoader;
import dev.secateur.finetune.FineTuner;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.sensitivity.SensitivityProbe;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.EvaluateSpec;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.Preprocessing;
import dev.secateur.spec.SaliencySpec;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Scope;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A coordinator and a worker as two real cluster members (two Hazelcast instances and two clustered Vert.x in this
 * JVM, talking over loopback TCP): what a probe measures there equals what it measures here, the model crosses once
 * whatever the number of jobs, and a job that fails there fails here naming the worker.
 */
class ClusterJobsTest {

    private static final DataSpec DATA = new DataSpec(new DataSpec.Embedded(), 1000, 200);
    private static final long SEED = 3;

    @TempDir
    static Path work;
    private static ClusterNode workerNode;
    private static ClusterNode coordinatorNode;
    private static ClusterWorker worker;
    private static ClusterJobs jobs;
    private static Network net;
    private static DataSplits splits;
    private static Path secret;
    private static Path dataDir;
    private static String name;
    /** What the worker printed. */
    private static final List<String> said = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void twoMembers() {
        secret = work.resolve("secret/cluster.secret");
        ClusterSecret.loadOrCreate(secret);
        name = "test-" + UUID.randomUUID().toString().substring(0, 8);
        var settings = new ClusterSettings(null, name, List.of(), null, secret);
        workerNode = ClusterNode.join(settings);
        dataDir = work.resolve("data");
        worker = ClusterWorker.start(workerNode, "test-host", 2, work, new DatasetLoader(), null, said::add,
                new DataDirectories(List.of(dataDir)), 64L << 20);
        coordinatorNode = ClusterNode.join(settings);
        jobs = new ClusterJobs(coordinatorNode);
        net = Network.of(Architecture.byId("lenet-300-100").build(SEED, 1e-3));
        splits = new DatasetLoader().load(DATA, SEED);
    }

    @AfterAll
    static void leave() {
        worker.close();
        coordinatorNode.close();
        workerNode.close();
    }

    private static Map<ParamRef, INDArray> randomMask(double kept, long seed) {
        var random = new Random(seed);
        float[] keep = new float[784 * 300];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = random.nextDouble() < kept ? 1f : 0f;
        }
        return Map.of(new ParamRef(0, "W"), Nd4j.create(keep, new long[]{784, 300}, 'c'));
    }

    private static JsonObject await(Future<JsonObject> answer) throws Exception {
        return answer.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }

    @Test
    void probesOnTheWorkerMeasureWhatTheyMeasureHereAndTheModelCrossesOnce() throws Exception {
        var model = ModelWire.of(net);
        // other tests may have run jobs on the same members first: this one counts from where they left off
        var before = jobs.ledgers().getOrDefault(worker.info().describe(), new ClusterJobs.Ledger("", 0, 0, 0, 0));
        var validation = Calibration.validation(splits, 200, SEED);
        double[] ratios = {0.25, 0.5, 0.9};
        var answers = new ArrayList<Future<JsonObject>>();
        for (int i = 0; i < ratios.length; i++) {
            answers.add(jobs.submit(Jobs.probe(model, DATA, splits.sha256(), SEED, 200, ratios[i], false, randomMask(1 - ratios[i], i)),
                    model, Duration.ofMinutes(2), "timeoutSeconds.evaluator"));
        }
        for (int i = 0; i < ratios.length; i++) {
            var here = SensitivityProbe.measure(net, randomMask(1 - ratios[i], i), validation, false, ratios[i]);
            assertThat(await(answers.get(i)).getDouble("accuracy")).as("ratio " + ratios[i]).isEqualTo(here.accuracy());
        }
        var ledger = jobs.ledgers().get(worker.info().describe());
        assertThat(ledger.jobs() - before.jobs()).isEqualTo(3);
        // three jobs, one model at most: none when an earlier test of this class already shipped a zip with the same digest
        // (the same network serialised again gave the same bytes in some runs and not in others); else a signed header
        // naming the digest, then the zip
        int shipped = ledger.models() - before.models();
        assertThat(shipped).isBetween(0, 1);
        assertThat(ledger.modelBytes() - before.modelBytes()).isBetween(shipped * (long) model.bytes().length,
                shipped * (model.bytes().length + 1024L));
        // each job carries the mask of 235,200 weights as bits (about 39 KB in base64), never the model
        assertThat(ledger.jobBytes() - before.jobBytes()).isLessThan(3 * 45_000L);
    }

    @Test
    void aProbeThatRetrainsRetrainsOnTheWorkerFromTheSameOptimiserStateAndMeasuresWhatItMeasuresHere() throws Exception {
        // a network with Adam state of its own, which the retraining continues from, here and on the worker
        var trained = net.copy();
        new FineTuner().train(trained, splits.train().sample(128, SEED), new TrainingSpec(1, 32, 1e-3), MaskSet.NONE, SEED,
                progress -> { });
        var model = ModelWire.of(trained, true);
        var recovery = new SensitivityProbe.Recovery(256, new TrainingSpec(5, 32, 2e-3, 1e-4, TrainingSpec.Decay.COSINE));
        var job = Jobs.probe(model, DATA, splits.sha256(), SEED, 200, 0.9, false, recovery, randomMask(0.1, 11));
        assertThat(Jobs.recovery(job)).isEqualTo(recovery);
        var answer = jobs.submit(job, model, Duration.ofMinutes(2), "timeoutSeconds.evaluator");
        var validation = Calibration.validation(splits, 200, SEED);
        var here = SensitivityProbe.measure(trained, randomMask(0.1, 11), validation, recovery.on(splits, 200, SEED), false, 0.9);
        var oneShot = SensitivityProbe.measure(trained, randomMask(0.1, 11), validation, false, 0.9);
        assertThat(await(answer).getDouble("accuracy")).isEqualTo(here.accuracy());
        assertThat(here.accuracy()).as("the retraining happened").isNotEqualTo(oneShot.accuracy());
    }

    @Test
    void aJobThatFailsOnTheWorkerFailsHereWithItsCodeNamingTheWorker() throws Exception {
        var model = ModelWire.of(net);
        var otherData = Jobs.probe(model, DATA, "0".repeat(64), SEED, 100, 0.5, false, randomMask(0.5, 9));
        var failure = failure(jobs.submit(otherData, model, Duration.ofMinutes(2), "timeoutSeconds.evaluator"));
        assertThat(failure.failureCode()).isEqualTo(FailureCode.BAD_INPUT.code());
        assertThat(failure.getMessage()).contains("on worker " + worker.info().describe())
                .contains("is not the coordinator's").contains("give every worker the same files");

        var dense = new ExperimentSpec("dense", SEED, new ModelSpec.Train("lenet-300-100",
                new TrainingSpec(1, 64, 1e-3)), DATA, new SaliencySpec("magnitude",
                Options.NONE), Granularity.unstructured(), new Scope.Global(
                Set.of()), null, new TrainingSpec(0, 64, 1e-3), EvaluateSpec.DEFAULT,
                Map.of(), null, null, false);
        var escaping = Jobs.experiment(dense, "../../escaped", "0".repeat(64), null);
        assertThat(failure(jobs.submit(escaping, null, Duration.ofMinutes(2), "timeoutSeconds.experiment")).getMessage())
                .contains("run id '../../escaped' from the cluster is not a run id");
        assertThat(work.resolve("escaped")).doesNotExist();

        var unknown = new JsonObject().put("type", "shell").put("command", "rm -rf /");
        assertThat(failure(jobs.submit(unknown, null, Duration.ofMinutes(2), "timeoutSeconds.evaluator")).getMessage())
                .contains("unknown job type 'shell'");
    }

    @Test
    void arraysAreReadByTheWorkerFromItsDataDirectoryAndRefusedOnceTheirDigestDiffersFromTheCoordinators() throws Exception {
        Files.createDirectories(dataDir);
        var x = npy(dataDir.resolve("x.npy"), "<f4", "(" + splits.train().size() + ", 784)", floats(splits.train().features()));
        var y = npy(dataDir.resolve("y.npy"), "<i8", "(" + splits.train().size() + ",)", longs(splits.train().classes()));
        var arrays = new DataSpec(new DataSpec.Npy(x, y, null, null, DataSpec.Layout.NCHW), 0, 0, 0, Preprocessing.AUTOMATIC,
                0.2, 0, false);
        var here = new DatasetLoader().load(arrays, SEED);
        var model = ModelWire.of(net);
        var answer = await(jobs.submit(Jobs.probe(model, arrays, here.sha256(), SEED, 100, 0.5, false, randomMask(0.5, 6)), model,
                Duration.ofMinutes(2), "timeoutSeconds.evaluator"));
        var measured = SensitivityProbe.measure(net, randomMask(0.5, 6), Calibration.validation(here, 100, SEED), false, 0.5);
        assertThat(answer.getDouble("accuracy")).isEqualTo(measured.accuracy());

        // one label changed after the coordinator read the files: the worker's copy is no longer the same data
        int[] changed = splits.train().classes().clone();
        changed[0] = (changed[0] + 1) % 10;
        npy(y, "<i8", "(" + changed.length + ",)", longs(changed));
        var stale = Jobs.probe(model, arrays, here.sha256(), SEED + 1, 100, 0.5, false, randomMask(0.5, 7));
        assertThat(failure(jobs.submit(stale, model, Duration.ofMinutes(2), "timeoutSeconds.evaluator")).getMessage())
                .contains("is not the coordinator's");
    }

    private static Path npy(Path file, String descr, String shape, byte[] body) throws IOException {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        String header = dict + " ".repeat((64 - (11 + dict.length()) % 64) % 64) + "\n";
        var out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), (byte) (header.length() >> 8)});
        out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        return Files.write(file, out.toByteArray());
    }

    private static byte[] floats(INDArray values) {
        var buffer = ByteBuffer.allocate(4 * (int) values.length()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values.dup('c').data().asFloat()) {
            buffer.putFloat(v);
        }
        return buffer.array();
    }

    private static byte[] longs(int[] values) {
        var buffer = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            buffer.putLong(v);
        }
        return buffer.array();
    }

    /** What a member that is no worker could plant in the map of workers: a Java object Hazelcast would deserialise. */
    record Planted(String command) implements Serializable {
    }

    @Test
    void malformedOrUnsignedEntriesInTheMapOfWorkersAreSkippedAndJobsStillRun() throws Exception {
        var map = coordinatorNode.hazelcast().<String, Object>getMap(Addresses.CLUSTER_WORKERS);
        try {
            // a string that is not JSON, under a member's own id
            map.put(coordinatorNode.nodeId(), "not json {");
            var skipped = new ArrayList<String>();
            assertThat(ClusterWorker.listed(coordinatorNode, (member, why) -> skipped.add(member + ": " + why)))
                    .extracting(ClusterWorker.Info::nodeId).containsExactly(workerNode.nodeId());
            assertThat(skipped).singleElement().asString().startsWith(coordinatorNode.nodeId()).contains("unsigned worker message");

            // plain JSON that claims to be a worker with a large capacity, but is not signed with the secret
            map.put(coordinatorNode.nodeId(), new JsonObject().put("nodeId", coordinatorNode.nodeId()).put("host", "rogue")
                    .put("capacity", 64).put("pid", 1).encode());
            skipped.clear();
            assertThat(ClusterWorker.listed(coordinatorNode, (member, why) -> skipped.add(why)))
                    .extracting(ClusterWorker.Info::host).containsExactly("test-host");
            assertThat(skipped).singleElement().asString().contains("unsigned");

            // a Java object: Hazelcast's serialisation filter refuses to build it, and the entry is skipped
            map.put(coordinatorNode.nodeId(), new Planted("touch /tmp/owned"));
            skipped.clear();
            assertThat(ClusterWorker.listed(coordinatorNode, (member, why) -> skipped.add(why))).hasSize(1);
            assertThat(skipped).singleElement().asString().contains(Planted.class.getName()).contains("not allowed");

            var model = ModelWire.of(net);
            var probe = Jobs.probe(model, DATA, splits.sha256(), SEED, 100, 0.5, false, randomMask(0.5, 1));
            assertThat(await(jobs.submit(probe, model, Duration.ofMinutes(2), "timeoutSeconds.evaluator")).getDouble("accuracy"))
                    .isBetween(0.0, 1.0);
        } finally {
            map.delete(coordinatorNode.nodeId()); // delete, not remove: remove would deserialise the old value
        }
    }

    @Test
    void aMemberWithAnotherSecretFormsAClusterOfItsOwnAndNeverSeesTheWorkers() throws Exception {
        var otherSecret = work.resolve("other/cluster.secret");
        ClusterSecret.loadOrCreate(otherSecret);
        try (var rogue = ClusterNode.join(new ClusterSettings(null, name, List.of(), null, otherSecret))) {
            assertThat(rogue.members()).containsExactly(rogue.nodeId());
            assertThat(coordinatorNode.members()).doesNotContain(rogue.nodeId()).contains(workerNode.nodeId());
            assertThat(ClusterWorker.listed(rogue, (member, why) -> { })).isEmpty();
        }
    }

    @Test
    void aJobWithoutTheSecretsSignatureIsRefusedByTheWorkerAndNeverRun() throws Exception {
        var bus = coordinatorNode.vertx().eventBus();
        var address = Addresses.clusterJobs(workerNode.nodeId());
        var unsigned = new JsonObject().put("type", Jobs.PROBE).put("model", "0".repeat(64));
        var refused = failure(bus.<Object>request(address, unsigned).map(m -> new JsonObject()));
        assertThat(refused.getMessage()).contains("refused by worker").contains("unsigned job message");

        var forged = new Signatures(ClusterSecret.loadOrCreate(work.resolve("forger/cluster.secret")))
                .seal(Signatures.JOB, workerNode.nodeId(), unsigned);
        assertThat(failure(bus.<Object>request(address, forged).map(m -> new JsonObject())).getMessage())
                .contains("wrong signature");

        // a genuine job, replayed: the second copy is refused
        var genuine = coordinatorNode.signatures().seal(Signatures.JOB, workerNode.nodeId(),
                new JsonObject().put("type", "shell"));
        assertThat(failure(bus.<Object>request(address, genuine).map(m -> new JsonObject())).getMessage())
                .contains("unknown job type 'shell'");
        assertThat(failure(bus.<Object>request(address, genuine).map(m -> new JsonObject())).getMessage())
                .contains("replayed");
    }

    @Test
    void aJobThatReadsDataOutsideTheWorkersDataDirectoriesIsRefusedNamingThePath() throws Exception {
        var model = ModelWire.of(net);
        var elsewhere = new DataSpec(new DataSpec.Directory(Path.of("/etc"), DataSpec.Family.FASHION_MNIST), 100, 100);
        var probe = Jobs.probe(model, elsewhere, splits.sha256(), SEED, 100, 0.5, false, randomMask(0.5, 2));
        var failure = failure(jobs.submit(probe, model, Duration.ofMinutes(2), "timeoutSeconds.evaluator"));
        assertThat(failure.failureCode()).isEqualTo(FailureCode.BAD_INPUT.code());
        assertThat(failure.getMessage()).contains("data directory /etc").contains("outside this worker's data directories")
                .contains(dataDir.toString()).contains("--data-dir /etc");
    }

    @Test
    void aJobPastItsTimeIsCancelledOnItsWorkerAndItsSlotFreesOnlyWhenTheWorkerSaysItStopped() throws Exception {
        var model = ModelWire.of(net);
        // the worker loads the model from its zip before it measures: far longer than 1 ms
        var late = Jobs.probe(model, DATA, splits.sha256(), SEED, 200, 0.5, false, randomMask(0.5, 3));
        var failure = failure(jobs.submit(late, model, Duration.ofMillis(1), "timeoutSeconds.evaluator"));
        assertThat(failure.failureCode()).isEqualTo(FailureCode.TIMEOUT.code());
        assertThat(failure.getMessage()).contains("did not answer within").contains("timeoutSeconds.evaluator");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (jobs.busy(workerNode.nodeId()) > 0) {
            assertThat(System.nanoTime()).as("the slot of the timed-out job frees once the worker stopped it").isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(said).anyMatch(line -> line.contains("a coordinator cancelled a probe that ran past its time"));
        var next = Jobs.probe(model, DATA, splits.sha256(), SEED, 100, 0.5, false, randomMask(0.5, 4));
        assertThat(await(jobs.submit(next, model, Duration.ofMinutes(2), "timeoutSeconds.evaluator")).getDouble("accuracy"))
                .isBetween(0.0, 1.0);
    }

    @Test
    void cancelledJobsNeverGoOutOrAreStoppedOnTheirWorkerAndFailAsCancelled() throws Exception {
        var model = ModelWire.of(net);
        var answers = new ArrayList<Future<JsonObject>>();
        for (int i = 0; i < 4; i++) {
            // capacity 2: two go to the worker (after the model), two wait in the queue
            answers.add(jobs.submit(Jobs.probe(model, DATA, splits.sha256(), SEED, 200, 0.77, false, randomMask(0.23, 10 + i)), model,
                    Duration.ofMinutes(2), "timeoutSeconds.evaluator"));
        }
        int cancelled = jobs.cancel(job -> Jobs.PROBE.equals(job.getString("type")) && job.getDouble("ratio") == 0.77,
                "the analysis was cancelled");
        assertThat(cancelled).isGreaterThanOrEqualTo(2);
        int failed = 0;
        for (var answer : answers) {
            try {
                await(answer);
            } catch (ExecutionException e) {
                assertThat(FailureCode.of(e.getCause())).isEqualTo(FailureCode.CANCELLED);
                assertThat(e.getCause()).hasMessage("the analysis was cancelled");
                failed++;
            }
        }
        assertThat(failed).isEqualTo(cancelled);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (jobs.busy(workerNode.nodeId()) > 0) {
            assertThat(System.nanoTime()).as("the slots of the cancelled jobs free").isLessThan(deadline);
            Thread.sleep(20);
        }
        var next = Jobs.probe(model, DATA, splits.sha256(), SEED, 100, 0.5, false, randomMask(0.5, 5));
        assertThat(await(jobs.submit(next, model, Duration.ofMinutes(2), "timeoutSeconds.evaluator")).getDouble("accuracy"))
                .isBetween(0.0, 1.0);
    }

    private static ReplyException failure(Future<JsonObject> answer) throws Exception {
        try {
            await(answer);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ReplyException.class);
            return (ReplyException) e.getCause();
        }
        throw new AssertionError("the job succeeded");
    }
}
