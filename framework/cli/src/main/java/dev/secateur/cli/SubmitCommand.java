package dev.secateur.cli;

import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.secateur.bus.RunEvent;
import dev.secateur.errors.BadInputException;
import dev.secateur.server.ApiToken;
import dev.secateur.server.ServerOptions;
import dev.secateur.spi.ParamRef;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code secateur submit SCRIPT [ARGS...]}: sends a script to a running server and follows it, printing what
 * {@code run} prints: progress, a line per step, the tables, what the script prints, and its exit code.
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = "Send a Groovy experiment script to a running server (bin/secateur serve) and follow it as run would.")
final class SubmitCommand implements Callable<Integer> {

    /** Event names of the stream, and the records they carry. */
    private static final Map<String, Class<? extends RunEvent>> EVENTS = Map.of(
            "started", RunEvent.RunStarted.class, "progress", RunEvent.TrainingProgress.class,
            "step-completed", RunEvent.StepCompleted.class, "decided", RunEvent.Decided.class,
            "completed", RunEvent.RunCompleted.class, "failed", RunEvent.RunFailed.class,
            "cancelled", RunEvent.RunCancelled.class);

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .registerModule(new SimpleModule().addKeyDeserializer(ParamRef.class, new KeyDeserializer() {
                @Override
                public Object deserializeKey(String key, DeserializationContext context) {
                    return ParamRef.parse(key);
                }
            }));

    @Parameters(index = "0", paramLabel = "SCRIPT", description = "The .groovy script, such as scripts/quickstart.groovy.")
    Path script;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Passed to the script as args.")
    List<String> args = new ArrayList<>();

    @Option(names = "--server", paramLabel = "URL", defaultValue = "http://" + ServerOptions.LOOPBACK + ":8080",
            description = "The server (default http://127.0.0.1:8080).")
    URI server;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "The server's API token (default: the file serve wrote for that host and port, or $SECATEUR_TOKEN).")
    Path tokenFile;

    @Option(names = "--no-progress", description = "Print a line per epoch instead of progress bars.")
    boolean noProgress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (!Files.isRegularFile(script)) {
            throw new BadInputException("script " + script + " does not exist; give the path of a .groovy file, for example "
                    + "scripts/quickstart.groovy");
        }
        String token = token();
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        var body = JSON.createObjectNode().put("script", Files.readString(script)).put("name", script.getFileName().toString());
        body.putArray("args").addAll(args.stream().map(a -> (JsonNode) JSON.getNodeFactory().textNode(a)).toList());
        var post = HttpRequest.newBuilder(server.resolve("/api/runs")).header("content-type", "application/json")
                .header("authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        HttpResponse<String> answer = send(http, post, HttpResponse.BodyHandlers.ofString());
        JsonNode submitted = JSON.readTree(answer.body());
        if (answer.statusCode() != 202) {
            String message = submitted.path("error").asText(answer.body());
            if (answer.statusCode() == 400 || answer.statusCode() == 401 || answer.statusCode() == 413) {
                throw new BadInputException(message);
            }
            err.println("secateur: failed: the server answered " + answer.statusCode() + ": " + message);
            return Main.RUN_FAILED;
        }
        var runs = new ArrayList<String>();
        submitted.path("runs").forEach(r -> runs.add(r.path("id").asText()));
        out.println("submitted " + script.getFileName() + " to " + server + " as " + submitted.path("submission").asText()
                + (runs.isEmpty() ? "" : "; runs " + String.join(", ", runs)));
        out.flush();
        var events = HttpRequest.newBuilder(server.resolve(submitted.path("events").asText())).header("accept", "text/event-stream")
                .header("authorization", "Bearer " + token).GET().build();
        var following = send(http, events, HttpResponse.BodyHandlers.ofLines());
        if (following.statusCode() != 200) {
            String answered;
            try (var refused = following.body()) {
                answered = String.join("\n", refused.toList());
            }
            err.println("secateur: " + script.getFileName() + " was submitted, but its events cannot be followed: the server "
                    + "answered " + following.statusCode() + ": " + answered);
            return Main.RUN_FAILED;
        }
        int exit = Main.RUN_FAILED;
        try (var reporter = new ConsoleReporter(out, !noProgress && System.console() != null);
             var lines = following.body()) {
            for (var line : (Iterable<String>) lines::iterator) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                JsonNode event = JSON.readTree(line.substring("data: ".length()));
                switch (event.path("type").asText()) {
                    case "run-event" -> {
                        var type = EVENTS.get(event.path("event").asText());
                        if (type != null) {
                            reporter.accept(JSON.treeToValue(event, type));
                        }
                    }
                    case "output" -> {
                        out.println(event.path("line").asText());
                        out.flush();
                    }
                    case "end" -> {
                        exit = event.path("exit").asInt(Main.RUN_FAILED);
                        if (!event.path("error").isNull() && !event.path("error").asText().isEmpty()) {
                            err.println(event.path("error").asText());
                        }
                    }
                    case "dropped" -> {
                        err.println("secateur: note: " + event.path("message").asText());
                        err.flush();
                    }
                    default -> {
                        // a kind of event this client does not know: newer servers may send more
                    }
                }
            }
        }
        out.flush();
        return exit;
    }

    /** The file serve wrote for the server's host as given, or for its address (localhost is 127.0.0.1 to serve). */
    private Path defaultTokenFile() {
        int port = server.getPort() < 0 ? 80 : server.getPort();
        String host = server.getHost().replaceAll("^\\[|]$", "");
        Path named = ApiToken.defaultFile(host, port);
        if (!Files.exists(named)) {
            try {
                Path resolved = ApiToken.defaultFile(InetAddress.getByName(host).getHostAddress(), port);
                if (Files.exists(resolved)) {
                    return resolved;
                }
            } catch (UnknownHostException e) {
                // the request will say the server cannot be reached
            }
        }
        return named;
    }

    private String token() throws IOException {
        String fromEnvironment = System.getenv("SECATEUR_TOKEN");
        if (tokenFile == null && fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.trim();
        }
        Path file = tokenFile != null ? tokenFile : defaultTokenFile();
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("no API token at " + file + ": is a server running at " + server + "? Start one with "
                    + "bin/secateur serve, or give --token-file with the file it wrote");
        }
        return ApiToken.read(file);
    }

    private <T> HttpResponse<T> send(HttpClient http, HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        try {
            return http.send(request, handler);
        } catch (ConnectException e) {
            throw new BadInputException("cannot reach the server at " + server + " (" + e.getClass().getSimpleName()
                    + "); start it with bin/secateur serve, or give --server with its address");
        }
    }
}
