package dev.secateur.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.Fixtures;
import dev.secateur.bus.Addresses;
import dev.secateur.bus.RunEvent;
import dev.secateur.config.SecateurConfig;
import dev.secateur.data.DatasetLoader;
import dev.secateur.plugin.PluginHost;
import dev.secateur.record.RunDirectory;
import dev.secateur.runtime.Secateur;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpCookie;
import java.net.Socket;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's trust boundaries over real HTTP: the token on every route (a route added without it fails
 * here), the cookie the printed URL sets, the Host check on a wildcard address, the cap on event streams, and
 * a run resumed through the API.
 */
class SecateurServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Secateur secateur;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path runs;

    @BeforeAll
    static void start() {
        secateur = Secateur.start(SecateurConfig.defaults(), PluginHost.start(List.of(Fixtures.pluginsDir())),
                new DatasetLoader(Path.of("/nonexistent")));
    }

    @AfterAll
    static void stop() {
        secateur.close();
    }

    private ServerOptions options(String host, List<String> allowed) {
        return new ServerOptions(host, 0, runs, 1, runs.resolve("server.token"), ServerOptions.DEFAULT_SCRIPT_LIMIT, allowed);
    }

    private static String base(SecateurServer server) {
        return "http://127.0.0.1:" + server.port();
    }

    private static String token(SecateurServer server) throws IOException {
        return ApiToken.read(server.tokenFile());
    }

    private HttpResponse<InputStream> send(HttpMethod method, String url, String... headers) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .method(method.name(), HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        // a stream: an event stream's answer may never end, and its status is often all that is read
        return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private static String body(HttpResponse<InputStream> response) throws IOException {
        try (var in = response.body()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static int status(HttpResponse<InputStream> response) throws IOException {
        response.body().close();
        return response.statusCode();
    }

    /** Every route the router has, as a request to make: its method and a path with its parameters filled in. */
    private record Call(HttpMethod method, String path) {
    }

    private static List<Call> calls(SecateurServer server) {
        var calls = new ArrayList<Call>();
        for (var route : server.router().getRoutes()) {
            String path = route.getPath();
            if (path == null) {
                continue; // the gate, the 404 and the failure handler: on every path
            }
            // a wildcard route's path ends with its slash
            String filled = path.replace(":id", "no-such-run") + (path.length() > 1 && path.endsWith("/") ? "results.csv" : "");
            var methods = route.methods() == null || route.methods().isEmpty() ? Set.of(HttpMethod.GET) : route.methods();
            methods.forEach(m -> calls.add(new Call(m, filled)));
        }
        return calls;
    }

    @Test
    void everyRouteRefusesARequestWithoutTheTokenAndTakesTheBearerOrTheCookieThePrintedUrlSets() throws Exception {
        try (var server = SecateurServer.start(secateur, options(ServerOptions.LOOPBACK, List.of()))) {
            var calls = calls(server);
            assertThat(calls).extracting(Call::path).contains("/", "/api/runs", "/api/runs/no-such-run", "/api/events", "/metrics",
                    "/api/plugins", "/api/runs/no-such-run/files/results.csv", "/api/submissions/no-such-run/events",
                    "/api/runs/no-such-run/resume");
            for (var call : calls) {
                var refused = send(call.method(), base(server) + call.path());
                assertThat(refused.statusCode()).as("%s %s without the token", call.method(), call.path()).isEqualTo(401);
                assertThat(body(refused)).contains(server.tokenFile().toString()).contains("?token=");
                var wrong = send(call.method(), base(server) + call.path(), "Authorization", "Bearer " + "0".repeat(64));
                assertThat(status(wrong)).as("%s %s with another token", call.method(), call.path()).isEqualTo(401);
                var bearer = send(call.method(), base(server) + call.path(), "Authorization", "Bearer " + token(server));
                assertThat(status(bearer)).as("%s %s with the bearer", call.method(), call.path()).isNotIn(401, 403);
            }
            for (String read : List.of("/api/runs", "/api/events", "/metrics", "/api/plugins", "/api/info", "/")) {
                assertThat(status(send(HttpMethod.GET, base(server) + read, "Authorization", "Bearer " + token(server))))
                        .as("GET %s with the bearer", read).isEqualTo(200);
            }

            // the printed URL: the token becomes an HttpOnly, SameSite=Strict cookie, and the page's URL loses it
            assertThat(server.browserUrl()).isEqualTo(base(server) + "/?token=" + token(server));
            var visit = send(HttpMethod.GET, server.browserUrl() + "&view=runs");
            assertThat(status(visit)).isEqualTo(303);
            assertThat(visit.headers().firstValue("location")).hasValue("/?view=runs");
            String setCookie = visit.headers().firstValue("set-cookie").orElseThrow();
            assertThat(setCookie).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict").contains("Path=/");
            var cookie = HttpCookie.parse(setCookie).get(0);
            assertThat(cookie.getName()).isEqualTo("secateur-token-" + server.port());
            String sent = cookie.getName() + "=" + cookie.getValue();
            for (String read : List.of("/api/runs", "/metrics", "/", "/assets/app.js")) {
                assertThat(status(send(HttpMethod.GET, base(server) + read, "Cookie", sent))).as("GET %s with the cookie", read)
                        .isEqualTo(200);
            }
            assertThat(status(send(HttpMethod.GET, base(server) + "/?token=" + "1".repeat(64)))).as("a wrong token in the URL")
                    .isEqualTo(401);
            // a change with the cookie must come from the page's own origin: SameSite ignores ports
            assertThat(status(send(HttpMethod.DELETE, base(server) + "/api/runs/no-such-run", "Cookie", sent,
                    "Origin", "http://127.0.0.1:1"))).isEqualTo(403);
            assertThat(status(send(HttpMethod.DELETE, base(server) + "/api/runs/no-such-run", "Cookie", sent,
                    "Origin", base(server)))).isEqualTo(404);

            var page = send(HttpMethod.GET, base(server) + "/", "Cookie", sent);
            assertThat(page.headers().firstValue("content-security-policy").orElseThrow()).contains("script-src 'self';")
                    .doesNotContain("unsafe-eval").contains("frame-ancestors 'none'");
            assertThat(body(page)).doesNotContain("<script>").doesNotContain("token");
        }
    }

    /** A request with the Host header as given, over a plain socket (HTTP clients will not let a caller set it). */
    private static String withHost(int port, String host, String token) throws IOException {
        try (var socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /api/runs HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + token
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void onEveryInterfaceARequestForAForeignHostIsRefusedEvenWithTheToken() throws Exception {
        try (var server = SecateurServer.start(secateur, options("0.0.0.0", List.of("secateur.lab.example")))) {
            String token = token(server);
            for (String foreign : List.of("evil.example", "evil.example:" + server.port(), "127.0.0.1.evil.example")) {
                assertThat(withHost(server.port(), foreign, token)).as(foreign).startsWith("HTTP/1.1 403")
                        .contains("FORBIDDEN_HOST").doesNotContain("[]");
            }
            for (String own : List.of("127.0.0.1:" + server.port(), "localhost:" + server.port(), "secateur.lab.example")) {
                assertThat(withHost(server.port(), own, token)).as(own).startsWith("HTTP/1.1 200");
            }
            assertThat(server.browserUrl()).as("0.0.0.0 names no interface").startsWith("http://127.0.0.1:");
        }
    }

    @Test
    void eventStreamsStopAtTheCapWhileTheApiKeepsAnswering() throws Exception {
        try (var server = SecateurServer.start(secateur, options(ServerOptions.LOOPBACK, List.of()).withCaps(3, 100, 4))) {
            String auth = "Bearer " + token(server);
            var open = new ArrayList<HttpResponse<InputStream>>();
            for (int i = 0; i < 3; i++) {
                var stream = send(HttpMethod.GET, base(server) + "/api/events", "Authorization", auth);
                assertThat(stream.statusCode()).isEqualTo(200);
                open.add(stream);
            }
            var refused = send(HttpMethod.GET, base(server) + "/api/events", "Authorization", auth);
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("retry-after")).isPresent();
            assertThat(body(refused)).contains("TOO_MANY_STREAMS").contains("3 event streams");
            assertThat(status(send(HttpMethod.GET, base(server) + "/api/runs", "Authorization", auth))).isEqualTo(200);
            assertThat(status(send(HttpMethod.GET, base(server) + "/metrics", "Authorization", auth))).isEqualTo(200);

            // a follower that goes frees its place
            open.remove(0).body().close();
            Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
                var again = send(HttpMethod.GET, base(server) + "/api/events", "Authorization", auth);
                if (again.statusCode() == 200) {
                    open.add(again);
                    return true;
                }
                status(again);
                return false;
            });
            for (var stream : open) {
                stream.body().close();
            }
        }
    }

    @Test
    void scriptsBeyondTheCapAreRefusedAtOnceWith503WhileTheApiKeepsAnswering() throws Exception {
        try (var server = SecateurServer.start(secateur, options(ServerOptions.LOOPBACK, List.of()).withCaps(32, 100, 1))) {
            var waiting = HttpRequest.newBuilder(URI.create(base(server) + "/api/runs?name=waits.groovy"))
                    .header("Authorization", "Bearer " + token(server)).header("content-type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString("println 'waiting'\nThread.sleep(120_000)")).build();
            var first = http.send(waiting, HttpResponse.BodyHandlers.ofString());
            assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
            var second = http.send(waiting, HttpResponse.BodyHandlers.ofString());
            assertThat(second.statusCode()).as(second.body()).isEqualTo(503);
            assertThat(second.headers().firstValue("retry-after")).isPresent();
            assertThat(JSON.readTree(second.body()).path("code").asText()).isEqualTo("TOO_MANY_SCRIPTS");
            assertThat(JSON.readTree(second.body()).path("error").asText()).contains("1 scripts already");
            assertThat(status(send(HttpMethod.GET, base(server) + "/api/runs", "Authorization", "Bearer " + token(server)))).isEqualTo(200);
        }
    }

    private static String script(String name) {
        return """
                run(experiment('%s') {
                    seed 5
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 1000, test: 300)
                    saliency 'magnitude'
                    schedule 'iterative', target: 0.8, steps: 3
                    finetune epochs: 1
                    evaluate latencyRepeats: 3, latencyWarmup: 1, largeBatch: 0
                })
                """.formatted(name);
    }

    private JsonNode json(SecateurServer server, HttpMethod method, String path) throws Exception {
        return JSON.readTree(body(send(method, base(server) + path, "Authorization", "Bearer " + token(server))));
    }

    @Test
    void aRunInterruptedAfterItsFirstStepIsResumedThroughTheServerFromItsCheckpoint() throws Exception {
        try (var server = SecateurServer.start(secateur, options(ServerOptions.LOOPBACK, List.of()))) {
            var firstStep = new CompletableFuture<String>();
            var consumer = secateur.vertx().eventBus().<RunEvent>consumer(Addresses.RUN_STEP_COMPLETED, m -> {
                if (m.body() instanceof RunEvent.StepCompleted step && step.result().step() >= 1) {
                    firstStep.complete(step.runId());
                }
            });
            var post = HttpRequest.newBuilder(URI.create(base(server) + "/api/runs?name=resumable.groovy"))
                    .header("Authorization", "Bearer " + token(server)).header("content-type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString(script("resumable"))).build();
            var submitted = http.send(post, HttpResponse.BodyHandlers.ofString());
            assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
            String runId = JSON.readTree(submitted.body()).path("runs").get(0).path("id").asText();
            assertThat(firstStep.get(5, TimeUnit.MINUTES)).isEqualTo(runId);
            consumer.unregister();
            assertThat(secateur.experiments().interrupt(runId).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)).isTrue();
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                    .until(() -> json(server, HttpMethod.GET, "/api/runs/" + runId).path("status").asText(), "INTERRUPTED"::equals);

            var resumed = json(server, HttpMethod.POST, "/api/runs/" + runId + "/resume");
            assertThat(resumed.path("runs").get(0).path("id").asText()).as(resumed.toString()).isEqualTo(runId);
            // the submission that resumes it says so, and ends well: its stream ends with the script
            String followed = body(send(HttpMethod.GET, base(server) + resumed.path("events").asText(), "Authorization",
                    "Bearer " + token(server)));
            assertThat(followed).contains("resume: " + runId).contains("\"type\":\"end\",\"exit\":0");
            assertThat(json(server, HttpMethod.GET, "/api/runs/" + runId).path("status").asText()).isEqualTo("COMPLETED");
            assertThat(Files.readString(runs.resolve(runId).resolve(RunDirectory.EVENTS))).contains("\"resumed\"");

            var again = send(HttpMethod.POST, base(server) + "/api/runs/" + runId + "/resume", "Authorization", "Bearer " + token(server));
            assertThat(again.statusCode()).isEqualTo(400);
            assertThat(body(again)).contains("is COMPLETED");
            assertThat(status(send(HttpMethod.POST, base(server) + "/api/runs/no-such-run/resume", "Authorization",
                    "Bearer " + token(server)))).isEqualTo(404);
        }
    }
}
