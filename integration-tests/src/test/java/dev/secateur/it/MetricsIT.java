package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run started with --metrics-port serves Prometheus text over HTTP while it lasts. */
class MetricsIT {

    @TempDir
    Path work;

    @Test
    void prometheusScrapesEveryDashboardMetricDuringARun() throws Exception {
        var script = Cli.script(work, "scraped.groovy", """
                run(experiment('scraped') {
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 4000, test: 500)
                    schedule 'agp', target: 0.8, steps: 4
                    finetune epochs: 2
                })
                """);
        var process = Cli.start(work, "run", script.toString(), "--metrics-port", "0", "--runs-dir", "runs", "--no-progress");
        var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String url = null;
        for (String line = out.readLine(); line != null && url == null; line = out.readLine()) {
            if (line.startsWith("metrics: ")) {
                url = line.substring("metrics: ".length());
            }
        }
        assertThat(url).matches("http://127\\.0\\.0\\.1:\\d+/metrics");

        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        var request = HttpRequest.newBuilder(URI.create(url)).build();
        String scrape = "";
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        // scrape until a step has completed, while the run goes on
        while (!scrape.contains("secateur_eval_accuracy_ratio{") && System.nanoTime() < deadline && process.isAlive()) {
            var response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            scrape = response.body();
            if (!scrape.contains("secateur_eval_accuracy_ratio{")) {
                TimeUnit.MILLISECONDS.sleep(300);
            }
        }
        assertThat(process.isAlive()).as("the run is still going while it is scraped").isTrue();
        assertThat(scrape).contains("secateur_sparsity_ratio{experiment=\"scraped\"");
        assertThat(scrape).contains("vertx_eventbus_processed_total{address=\"secateur.loader.load\",side=\"local\"} 1.0");

        var dashboard = Files.readString(Cli.ROOT.resolve("config/grafana/secateur.json"));
        var names = new TreeSet<String>();
        var matcher = Pattern.compile("(secateur|vertx)_[a-z_]+").matcher(dashboard);
        while (matcher.find()) {
            names.add(matcher.group());
        }
        for (String name : names) {
            // pruner and later-stage series may still be on their way; everything the dashboard names must exist by the end
            if (name.startsWith("secateur_stage") || name.startsWith("vertx_")) {
                assertThat(scrape).as(name).containsPattern("(?m)^" + name + "[{ ]");
            }
        }

        out.transferTo(java.io.Writer.nullWriter());
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).isZero();
        try {
            http.send(request, HttpResponse.BodyHandlers.ofString());
            throw new AssertionError("the metrics endpoint must close with the run");
        } catch (ConnectException expected) {
            // closed with the command, as documented
        }
    }

    @Test
    void withLingerTheFinalValuesStayScrapableAfterTheScriptEnds() throws Exception {
        var script = Cli.script(work, "lingered.groovy", """
                run(experiment('lingered') {
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 1000, test: 300)
                    schedule 'iterative', target: 0.9, steps: 3
                    finetune epochs: 1
                })
                """);
        var process = Cli.start(work, "run", script.toString(), "--metrics-port", "0", "--linger", "8s", "--runs-dir", "runs",
                "--no-progress");
        var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String url = null;
        boolean ended = false;
        while (!ended) {
            String line = out.readLine();
            if (line == null) {
                break;
            }
            if (line.startsWith("metrics: ")) {
                url = line.substring("metrics: ".length());
            }
            ended = line.contains("the script ended; serving");
        }
        assertThat(ended).as("the command says it lingers").isTrue();
        var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        // the last step's value, not one scraped mid-run
        assertThat(response.body()).containsPattern("(?m)^secateur_sparsity_ratio\\{experiment=\"lingered\"[^}]*} 0\\.9");
        out.transferTo(java.io.Writer.nullWriter());
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("it stops once the linger is over").isTrue();
        assertThat(process.exitValue()).isZero();
    }
}
