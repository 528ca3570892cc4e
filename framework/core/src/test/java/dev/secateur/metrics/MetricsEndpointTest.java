package dev.secateur.metrics;

import static dev.secateur.dsl.ExperimentBuilder.experiment;
import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.Fixtures;
import dev.secateur.data.DatasetLoader;
import dev.secateur.plugin.PluginHost;
import dev.secateur.spec.DataSpec;
import dev.secateur.runtime.Secateur;
import dev.secateur.config.SecateurConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real run, scraped over real HTTP: every meter the Grafana dashboard uses is served. */
class MetricsEndpointTest {

    private static final Path DASHBOARD = Path.of("../../config/grafana/secateur.json");

    @TempDir
    Path runs;

    @Test
    void aRunIsServedAsPrometheusTextWithEveryDashboardMetric() throws Exception {
        try (var secateur = Secateur.start(SecateurConfig.defaults(), PluginHost.start(List.of(Fixtures.pluginsDir())),
                new DatasetLoader(Path.of("/nonexistent")))) {
            var server = MetricsServer.start(secateur.vertx(), secateur.registry(), 0, "Bearer sesame"::equals, () -> "the token file")
                    .toCompletionStage().toCompletableFuture().get();
            secateur.experiments().run(experiment("scraped", e -> e
                    .model(m -> m.train("lenet-300-100").epochs(1))
                    .data(new DataSpec(new DataSpec.Embedded(), 500, 200))
                    .schedule("iterative", s -> s.target(0.5).steps(2))
                    .evaluate(v -> v.latencyRepeats(3))), runs);

            var http = HttpClient.newHttpClient();
            var base = "http://127.0.0.1:" + server.actualPort();
            var refused = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as("no token, no meters").isEqualTo(401);
            assertThat(refused.body()).contains("Authorization: Bearer TOKEN, with the token in the token file").doesNotContain("secateur_");
            var response = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).header("Authorization", "Bearer sesame").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
            String text = response.body();
            assertThat(text).contains("secateur_sparsity_ratio{experiment=\"scraped\",granularity=\"unstructured\",saliency=\"magnitude\",schedule=\"iterative\"} 0.5");
            assertThat(text).contains("vertx_eventbus_processed_total{address=\"secateur.pruner.plan\",side=\"local\"} 2.0");

            var used = new TreeSet<String>();
            var matcher = Pattern.compile("(secateur|vertx)_[a-z_]+").matcher(Files.readString(DASHBOARD));
            while (matcher.find()) {
                used.add(matcher.group());
            }
            assertThat(used).hasSizeGreaterThan(10);
            for (String name : used) {
                assertThat(text).as("dashboard metric %s", name).containsPattern("(?m)^" + name + "[{ ]");
            }
            var other = http.send(HttpRequest.newBuilder(URI.create(base + "/other")).header("Authorization", "Bearer sesame").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(other.statusCode()).isEqualTo(404);
        }
    }
}
