package dev.secateur.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.FailureCode;
import dev.secateur.bus.Messages;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.data.DatasetLoader;
import dev.secateur.model.Loader;
import dev.secateur.plugin.PluginHost;
import dev.secateur.score.Scorer;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.SaliencySpec;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Options;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A saliency plugin that passes its smoke test but throws an Error, or hangs ignoring its interrupt, on a real
 * layer fails that scoring step with its name; the scorer takes the next job, on a fresh thread if need be.
 */
@ExtendWith(VertxExtension.class)
class ScorerIsolationTest {

    /** Scores |w| on the smoke test's tiny parameter, and does {@code onRealLayers} on a real one. */
    private static String criterion(String id, String onRealLayers) {
        String type = Character.toUpperCase(id.charAt(0)) + id.substring(1);
        return """
                class %s implements SaliencyMethod {
                    String id() { '%s' }
                    String description() { 'a test criterion' }
                    Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                    INDArray score(ParamView param, Options options) {
                        if (param.weights().length() <= 100) return Transforms.abs(param.weights(), true)
                        %s
                    }
                }
                """.formatted(type, id, onRealLayers);
    }

    @TempDir
    static Path dir;

    private static PluginHost plugins;
    private final Stores stores = Stores.create();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    static void loadPlugins() throws IOException {
        var pluginDir = Files.createDirectories(dir.resolve("plugins"));
        Files.writeString(pluginDir.resolve("asserting.groovy"), criterion("asserting", "assert param.weights() == null; null"));
        Files.writeString(pluginDir.resolve("stuck.groovy"), criterion("stuck",
                "while (true) { try { Thread.sleep(50) } catch (InterruptedException ignored) { } }"));
        Files.writeString(pluginDir.resolve("good.groovy"), criterion("good", "Transforms.abs(param.weights(), true)"));
        plugins = PluginHost.start(List.of(pluginDir));
        assertThat(plugins.failures()).isEmpty();
    }

    @AfterAll
    static void closePlugins() {
        plugins.close();
    }

    @BeforeEach
    void deploy(Vertx vertx, VertxTestContext context) {
        Messages.registerCodecs(vertx.eventBus());
        var worker = new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER);
        Future.all(
                vertx.deployVerticle(new LoaderVerticle(stores, new Loader(new DatasetLoader(Path.of("/nonexistent"))), registry), worker),
                vertx.deployVerticle(new ScorerVerticle(stores, plugins, new Scorer(), registry).timeout(Duration.ofSeconds(3)), worker))
                .onComplete(context.succeedingThenComplete());
    }

    private <T> Future<T> request(Vertx vertx, String address, Object body, Class<T> reply) {
        return vertx.eventBus().request(address, body).map(m -> reply.cast(m.body()));
    }

    private Future<StageReply.Scored> score(Vertx vertx, StageReply.Loaded loaded, String saliency) {
        return request(vertx, Addresses.SCORER_SCORE, new StageRequest.Score(loaded.model(), loaded.data(), null, loaded.params(),
                new SaliencySpec(saliency, Options.NONE), Granularity.unstructured(), 3L), StageReply.Scored.class);
    }

    private Future<StageReply.Loaded> load(Vertx vertx) {
        var model = new ModelSpec.Train("lenet-300-100", new TrainingSpec(0, 64, 1e-3));
        return request(vertx, Addresses.LOADER_LOAD, new StageRequest.Load(model, new DataSpec(new DataSpec.Embedded(), 200, 100), 3L),
                StageReply.Loaded.class);
    }

    /** Scores with {@code saliency}, which must fail as {@code check} says, then with 'good', which must succeed. */
    private void failsThenTheNextJobRuns(Vertx vertx, VertxTestContext context, String saliency, Consumer<ReplyException> check,
                                         Runnable afterwards) throws InterruptedException {
        load(vertx).compose(loaded -> score(vertx, loaded, saliency)
                        .transform(failed -> {
                            context.verify(() -> {
                                assertThat(failed.failed()).as("scoring with '%s' fails", saliency).isTrue();
                                check.accept((ReplyException) failed.cause());
                            });
                            return score(vertx, loaded, "good");
                        }))
                .onComplete(context.succeeding(scored -> context.verify(() -> {
                    assertThat(stores.scores().get(scored.scores()).saliency()).isEqualTo("good");
                    afterwards.run();
                    context.completeNow();
                })));
        assertThat(context.awaitCompletion(3, TimeUnit.MINUTES)).isTrue();
    }

    @Test
    void anErrorFromAPluginFailsTheStepWithItsNameAndTheNextJobRuns(Vertx vertx, VertxTestContext context) throws Exception {
        failsThenTheNextJobRuns(vertx, context, "asserting", reply -> {
            assertThat(reply.failureCode()).isEqualTo(FailureCode.PLUGIN_FAILED.code());
            assertThat(reply.getMessage()).contains("saliency 'asserting'").contains("0_W").contains("AssertionError");
        }, () -> { });
    }

    @Test
    void aPluginThatIgnoresItsInterruptIsAbandonedAndTheNextJobRunsOnAFreshThread(Vertx vertx, VertxTestContext context)
            throws Exception {
        failsThenTheNextJobRuns(vertx, context, "stuck", reply -> {
            assertThat(reply.failureCode()).isEqualTo(FailureCode.TIMEOUT.code());
            assertThat(reply.getMessage()).contains("did not finish within 3 s").contains("saliency 'stuck'")
                    .contains("ignored its interrupt");
        }, () -> assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .as("the stuck job's thread is left, and a fresh one took the next job")
                .contains("secateur-scorer-job-1", "secateur-scorer-job-2"));
    }
}
