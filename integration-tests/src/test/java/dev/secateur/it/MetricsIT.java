package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
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

    /**
     * Scrapes when the console reports events (a completed step, then the script's end), never racing the
     * process: with --linger the endpoint outlives the script, so a slow machine only makes the test slower.
     */
    @Test
    void prometheusScrapesEveryDashboardMetricDuringARunAndTheFinalValuesWhileItLingers() throws Exception {
        var script = Cli.script(work, "scraped.groovy", """
                run(experiment('scraped') {
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 2000, test: 500)
                    schedule 'agp', target: 0.8, steps: 4
                    finetune epochs: 1
                })
                """);
        var process = Cli.start(work, "run", script.toString(), "--metrics-port", "0", "--linger", "20s", "--runs-dir", "runs",
                "--no-progress");
        var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String url = waitFor(out, "metrics: ").substring("metrics: ".length());
        assertThat(url).matches("http://127\\.0\\.0\\.1:\\d+/metrics");
        String tokenLine = waitFor(out, "metrics: token in ");
        var tokenFile = Path.of(tokenLine.substring("metrics: token in ".length(), tokenLine.indexOf(" (")));
        assertThat(Files.getPosixFilePermissions(tokenFile)).as("readable by its user only")
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        var anonymous = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).as("a scrape without the token").isEqualTo(401);
        var request = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + Files.readString(tokenFile).trim()).build();

        // step 1 of 4 completed: the dense model's evaluation and the loader's job are in
        waitFor(out, "  step 1/4:");
        var midRun = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(midRun.statusCode()).isEqualTo(200);
        assertThat(midRun.body()).contains("secateur_eval_accuracy_ratio{experiment=\"scraped\"")
                .contains("secateur_sparsity_ratio{experiment=\"scraped\"")
                .contains("vertx_eventbus_processed_total{address=\"secateur.loader.load\",side=\"local\"} 1.0");

        // the script ended and the command lingers: the last step's values, and every series the Grafana dashboard names
        waitFor(out, "the script ended; serving");
        String end = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        assertThat(end).containsPattern("(?m)^secateur_sparsity_ratio\\{experiment=\"scraped\"[^}]*} 0\\.8");
        var dashboard = Files.readString(Cli.ROOT.resolve("config/grafana/secateur.json"));
        var names = new TreeSet<String>();
        var matcher = Pattern.compile("(secateur|vertx)_[a-z_]+").matcher(dashboard);
        while (matcher.find()) {
            names.add(matcher.group());
        }
        assertThat(names).hasSizeGreaterThan(10);
        for (String name : names) {
            assertThat(end).as(name).containsPattern("(?m)^" + name + "[{ ]");
        }

        out.transferTo(Writer.nullWriter());
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("it stops once the linger is over").isTrue();
        assertThat(process.exitValue()).isZero();
        try {
            http.send(request, HttpResponse.BodyHandlers.ofString());
            throw new AssertionError("the metrics endpoint must close with the command");
        } catch (ConnectException expected) {
            // closed with the command, as documented
        }
    }

    /** Reads the command's output up to the first line that contains {@code text}, and returns it. */
    private static String waitFor(BufferedReader out, String text) throws IOException {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.contains(text)) {
                return line;
            }
        }
        throw new AssertionError("the command ended without printing '" + text + "'");
    }
}
