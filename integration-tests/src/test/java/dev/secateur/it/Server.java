package dev.secateur.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/** {@code bin/secateur serve} in its own JVM, and an HTTP client for it, as a user or a dashboard talks to it. */
final class Server implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SERVING = Pattern.compile("serving (http://[0-9.]+:(\\d+))");

    final Process process;
    final String url;
    final int port;
    final Path tokenFile;
    private Path runsDir;
    final List<String> output = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Server(Process process, String url, int port, Path tokenFile) {
        this.process = process;
        this.url = url;
        this.port = port;
        this.tokenFile = tokenFile;
    }

    /** Starts a server on a free port and waits until it says where it listens. */
    static Server start(Path work, Path runs, Path tokenFile, String... more) throws IOException, InterruptedException {
        var args = new ArrayList<>(List.of("serve", "--port", "0", "--runs-dir", runs.toString(), "--token-file", tokenFile.toString()));
        args.addAll(List.of(more));
        var process = Cli.start(work, args.toArray(String[]::new));
        var lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        var errors = new StringBuilder();
        var errReader = new Thread(() -> {
            try (var err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                err.lines().forEach(l -> errors.append(l).append('\n'));
            } catch (IOException ignored) {
                // the process ended
            }
        });
        errReader.setDaemon(true);
        errReader.start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        String line;
        while ((line = lines.readLine()) != null && System.nanoTime() < deadline) {
            var m = SERVING.matcher(line);
            if (m.find()) {
                var server = new Server(process, m.group(1), Integer.parseInt(m.group(2)), tokenFile);
                server.runsDir = runs;
                var rest = new Thread(() -> lines.lines().forEach(server.output::add));
                rest.setDaemon(true);
                rest.start();
                return server;
            }
        }
        process.destroyForcibly();
        throw new AssertionError("bin/secateur serve did not start: " + errors);
    }

    /** Where the server writes runs: next to its token file, as {@link #start} was told. */
    Path runsDir() {
        return runsDir;
    }

    String token() throws IOException {
        return Files.readString(tokenFile).trim();
    }

    /** A GET with the token, as every read needs it. */
    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url + path)).header("authorization", "Bearer " + token()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A GET without the token, as a page elsewhere or another user would send it. */
    HttpResponse<String> getWithoutToken(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The URL a user opens in the browser: it carries the token once, and the server swaps it for a cookie. */
    String browserUrl() throws IOException {
        return url + "/?token=" + token();
    }

    JsonNode getJson(String path) throws IOException, InterruptedException {
        var response = get(path);
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    HttpResponse<String> post(String path, String contentType, String body, String token) throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(URI.create(url + path)).header("content-type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> delete(String path, String token) throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(URI.create(url + path)).DELETE();
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Submits a script as JSON with the token; returns the answer (the submission and its runs). */
    JsonNode submit(String name, String script) throws IOException, InterruptedException {
        var body = JSON.createObjectNode().put("name", name).put("script", script);
        var response = post("/api/runs", "application/json", body.toString(), token());
        if (response.statusCode() != 202) {
            throw new AssertionError("POST /api/runs answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** Polls a GET until its JSON satisfies the condition. */
    JsonNode await(String path, Predicate<JsonNode> condition, Duration within) {
        return Awaitility.await("GET " + path).atMost(within).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    var response = get(path);
                    return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
                }, node -> node != null && condition.test(node));
    }

    /** Waits until a run has one of the given statuses. */
    JsonNode awaitRun(String runId, Duration within, String... statuses) {
        var wanted = List.of(statuses);
        return await("/api/runs/" + runId, run -> wanted.contains(run.path("status").asText()), within);
    }

    /** The version serving an id, or null. */
    String pluginVersion(String id) throws IOException, InterruptedException {
        for (var plugin : getJson("/api/plugins").path("plugins")) {
            if (plugin.path("id").asText().equals(id)) {
                return plugin.path("version").asText();
            }
        }
        return null;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: the server stops cleanly and removes its token file
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
