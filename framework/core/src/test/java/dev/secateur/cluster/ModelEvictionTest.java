package dev.secateur.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.data.DatasetLoader;
import dev.secateur.model.Architecture;
import dev.secateur.model.Network;
import dev.secateur.spec.DataSpec;
import dev.secateur.spi.ParamRef;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A worker whose model cache holds one model: a job that names a model it evicted is answered "not cached", and
 * the coordinator ships the model again rather than failing the job.
 */
class ModelEvictionTest {

    private static final DataSpec DATA = new DataSpec(new DataSpec.Embedded(), 500, 100);

    @TempDir
    Path work;

    @Test
    void aJobForAnEvictedModelShipsItAgainAndSucceeds() throws Exception {
        var secret = work.resolve("secret/cluster.secret");
        ClusterSecret.loadOrCreate(secret);
        var settings = new ClusterSettings(null, "evict-" + UUID.randomUUID().toString().substring(0, 8), List.of(), null, secret);
        try (var workerNode = ClusterNode.join(settings); var coordinatorNode = ClusterNode.join(settings)) {
            var worker = ClusterWorker.start(workerNode, "small-cache", 1, work, new DatasetLoader(), null, line -> { },
                    DataDirectories.installed(), 1); // one byte: each model received evicts the one before
            try {
                var jobs = new ClusterJobs(coordinatorNode);
                var splits = new DatasetLoader().load(DATA, 1);
                var a = ModelWire.of(Network.of(Architecture.byId("lenet-300-100").build(1, 1e-3)));
                var b = ModelWire.of(Network.of(Architecture.byId("lenet-300-100").build(2, 1e-3)));
                assertThat(a.sha256()).isNotEqualTo(b.sha256());
                for (var model : List.of(a, b, a)) {
                    var masks = Map.of(new ParamRef(0, "W"), Nd4j.ones(784, 300));
                    var job = Jobs.probe(model, DATA, splits.sha256(), 1, 100, 0.0, false, masks);
                    assertThat(await(jobs.submit(job, model, Duration.ofMinutes(2), "timeoutSeconds.evaluator"))
                            .getDouble("accuracy")).isBetween(0.0, 1.0);
                }
                // a, b, then a again after b evicted it
                assertThat(jobs.ledgers().get(worker.info().describe()).models()).isEqualTo(3);
            } finally {
                worker.close();
            }
        }
    }

    private static JsonObject await(Future<JsonObject> answer) throws Exception {
        return answer.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }
}
