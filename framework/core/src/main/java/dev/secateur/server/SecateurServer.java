package dev.secateur.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.bus.Addresses;
import dev.secateur.bus.PluginEvent;
import dev.secateur.bus.RunEvent;
import dev.secateur.dsl.ExperimentRunner;
import dev.secateur.dsl.RunResult;
import dev.secateur.dsl.ScriptRunner;
import dev.secateur.errors.BadInputException;
import dev.secateur.metrics.MetricsServer;
import dev.secateur.metrics.PluginMetrics;
import dev.secateur.plugin.InstalledPlugin;
import dev.secateur.record.RunDirectory;
import dev.secateur.record.RunIndex;
import dev.secateur.run.RunPlanner;
import dev.secateur.runtime.Outcome;
import dev.secateur.runtime.Secateur;
import dev.secateur.spec.ExperimentSpec;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bin/secateur serve}: Secateur kept running behind an HTTP API, on one Vert.x Web router.
 * <ul>
 *   <li>{@code POST /api/runs} takes a Groovy script (the body, or JSON with {@code script}, {@code name} and
 *   {@code args}) and answers with the runs it declares; {@code GET /api/submissions/{id}/events} streams
 *   what it does as server-sent events;</li>
 *   <li>{@code GET /api/runs}, {@code GET /api/runs/{id}} and {@code DELETE /api/runs/{id}} list, read and
 *   cancel runs; {@code GET /api/plugins}, {@code GET /api/events} and {@code GET /metrics} show the rest.</li>
 * </ul>
 * A mutating request needs the bearer token the server writes at start to a file only its user can read.
 * The plugin directories are looked at every second, and what changed is published as plugin events.
 */
public final class SecateurServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEPT_SUBMISSIONS = 100;
    private static final int KEPT_PLUGIN_EVENTS = 100;
    private static final long DECLARE_SECONDS = 10;

    private final Secateur secateur;
    private final Vertx vertx;
    private final ServerOptions options;
    private final ApiToken token = ApiToken.generate();
    private final RunQueue queue;
    private final RunIndex index;
    private final PluginMetrics pluginMetrics = new PluginMetrics();
    private final ExecutorService scripts = Executors.newCachedThreadPool(runnable -> {
        var thread = new Thread(runnable, "secateur-script");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Submission> submissions = new LinkedHashMap<>();
    private final Map<String, Submission> byRun = new ConcurrentHashMap<>();
    private final List<Submission.Listener> watchers = new CopyOnWriteArrayList<>();
    private final Deque<String> pluginEvents = new ArrayDeque<>();
    private final AtomicLong submissionCount = new AtomicLong();
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final Clock clock = Clock.systemUTC();
    private HttpServer http;
    private Path tokenFile;
    private long watcher = -1;

    private SecateurServer(Secateur secateur, ServerOptions options) {
        this.secateur = secateur;
        this.vertx = secateur.vertx();
        this.options = options;
        this.queue = new RunQueue(secateur.experiments(), options.runsDir(), options.maxConcurrentRuns());
        this.index = new RunIndex(options.runsDir());
        pluginMetrics.bindTo(secateur.registry());
    }

    /** Listens, writes the token file and starts watching the plugin directories; waits until it listens. */
    public static SecateurServer start(Secateur secateur, ServerOptions options) {
        var server = new SecateurServer(secateur, options);
        server.listen();
        return server;
    }

    private void listen() {
        followEvents();
        try {
            http = vertx.createHttpServer().requestHandler(router()).listen(options.port(), options.host())
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new BadInputException("cannot listen on " + options.host() + ":" + options.port() + " (" + cause.getMessage()
                    + "); choose another --port, or 0 for a free one");
        }
        tokenFile = token.writeTo(options.tokenFile() != null ? options.tokenFile() : ApiToken.defaultFile(options.host(), port()));
        watcher = vertx.setPeriodic(1000, id -> refreshPlugins());
    }

    public int port() {
        return http.actualPort();
    }

    public String url() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + host + ":" + port();
    }

    public Path tokenFile() {
        return tokenFile;
    }

    // ---------------------------------------------------------------- routes

    private Router router() {
        var router = Router.router(vertx);
        // the token is checked on a route of its own, before the body is read
        router.post("/api/runs").handler(this::requireToken);
        // JSON escaping can make a script's body several times its size: the script itself is measured once parsed
        router.post("/api/runs").handler(BodyHandler.create(false).setBodyLimit(options.scriptLimitBytes() * 6L + 4096))
                .handler(this::submit);
        router.get("/api/runs").handler(this::listRuns);
        router.get("/api/runs/:id").handler(this::readRun);
        router.delete("/api/runs/:id").handler(this::requireToken).handler(this::cancelRun);
        router.get("/api/submissions/:id/events").handler(this::followSubmission);
        router.get("/api/events").handler(this::followAll);
        router.get("/api/plugins").handler(this::listPlugins);
        router.get(MetricsServer.PATH).handler(ctx -> MetricsServer.scrape(vertx, secateur.registry(), ctx.request()));
        router.route().handler(ctx -> error(ctx, 404, "NOT_FOUND", "no such endpoint: " + ctx.request().method() + " "
                + ctx.request().path() + "; the API is /api/runs, /api/runs/{id}, /api/submissions/{id}/events, /api/events, "
                + "/api/plugins and /metrics"));
        router.route().failureHandler(ctx -> {
            int status = ctx.statusCode() < 0 ? 500 : ctx.statusCode();
            String message = status == 413 ? tooLarge()
                    : ctx.failure() == null ? "request failed with status " + status : String.valueOf(ctx.failure().getMessage());
            error(ctx, status, status == 413 || status == 400 ? "BAD_INPUT" : "STAGE_FAILED", message);
        });
        return router;
    }

    private String tooLarge() {
        return "the script is larger than " + options.scriptLimitBytes() + " bytes, the limit of this server; split it, or keep "
                + "data and models in files the script names";
    }

    private void requireToken(RoutingContext ctx) {
        if (token.accepts(ctx.request().getHeader("Authorization"))) {
            ctx.next();
        } else {
            error(ctx, 401, "UNAUTHORIZED", "this request changes the server, so it needs the API token: send 'Authorization: "
                    + "Bearer <token>' with the token in " + tokenFile + " (bin/secateur submit reads it from there)");
        }
    }

    private static void error(RoutingContext ctx, int status, String code, String message) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
                .end(new JsonObject().put("error", message).put("code", code).encode());
    }

    private static void json(RoutingContext ctx, int status, Object body) {
        String text = body instanceof JsonObject o ? o.encode() : body instanceof JsonArray a ? a.encode() : encode(body);
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(text);
    }

    private static String encode(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- submitting a script

    /** What a POST carries: the script's text, the name it is reported under, and its arguments. */
    private record Script(String text, String name, List<String> args) {
    }

    private void submit(RoutingContext ctx) {
        Script script;
        try {
            script = script(ctx);
        } catch (BadInputException e) {
            error(ctx, 400, "BAD_INPUT", e.getMessage());
            return;
        }
        if (script.text().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > options.scriptLimitBytes()) {
            error(ctx, 413, "BAD_INPUT", tooLarge());
            return;
        }
        vertx.executeBlocking(() -> start(script), false).onComplete(done -> {
            if (done.succeeded()) {
                json(ctx, 202, done.result());
            } else if (done.cause() instanceof BadInputException bad) {
                error(ctx, 400, "BAD_INPUT", bad.getMessage());
            } else {
                error(ctx, 500, "STAGE_FAILED", Outcome.describe(done.cause()));
            }
        });
    }

    private static Script script(RoutingContext ctx) {
        String type = String.valueOf(ctx.request().getHeader("content-type"));
        if (type.startsWith("application/json")) {
            JsonObject body;
            try {
                body = ctx.body().asJsonObject();
            } catch (DecodeException | ClassCastException e) {
                throw new BadInputException("the request body is not a JSON object (" + e.getMessage().lines().findFirst().orElse("")
                        + "); send {\"script\": \"<the Groovy script>\", \"name\": \"my.groovy\", \"args\": []}");
            }
            if (body == null || !(body.getValue("script") instanceof String text)) {
                throw new BadInputException("the request has no \"script\"; send {\"script\": \"<the Groovy script>\", \"name\": "
                        + "\"my.groovy\", \"args\": []}");
            }
            var args = new ArrayList<String>();
            var given = body.getValue("args");
            if (given != null && !(given instanceof JsonArray)) {
                throw new BadInputException("\"args\" must be a list of strings, such as [\"quick\"]");
            }
            if (given instanceof JsonArray array) {
                array.forEach(a -> args.add(String.valueOf(a)));
            }
            return new Script(text, name(body.getValue("name") instanceof String named ? named : null), args);
        }
        String text = ctx.body().asString();
        if (text == null || text.isBlank()) {
            throw new BadInputException("the request body is empty; send the Groovy script as the body, or JSON with \"script\"");
        }
        return new Script(text, name(ctx.request().getParam("name")), ctx.queryParam("arg"));
    }

    /** The file name a script is reported under: what the client called it, without directories or odd characters. */
    static String name(String given) {
        String base = given == null ? "" : given.substring(given.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
        String name = base.isBlank() || base.chars().allMatch(c -> c == '.') ? "script" : base;
        return name.endsWith(".groovy") ? name : name + ".groovy";
    }

    /**
     * Compiles the script, runs it once without running its experiments to learn which it declares, names
     * those runs, and starts it for real on a thread of its own.
     */
    private JsonObject start(Script script) {
        var compiled = ScriptRunner.compile(script.text(), Path.of(script.name()));
        var declared = new ArrayList<Submission.Declared>();
        for (var spec : declare(compiled, script.args())) {
            declared.add(new Submission.Declared(RunDirectory.newRunId(spec.name(), clock), spec.name()));
        }
        String id = "s" + submissionCount.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
        var submission = new Submission(id, script.name(), declared);
        synchronized (submissions) {
            submissions.put(id, submission);
            if (submissions.size() > KEPT_SUBMISSIONS) {
                var oldest = submissions.keySet().iterator().next();
                submissions.remove(oldest);
            }
        }
        for (var run : declared) {
            byRun.put(run.runId(), submission);
            queue.declare(run.runId(), run.experiment(), id);
        }
        scripts.submit(() -> execute(submission, compiled, script.args()));
        var runs = new JsonArray();
        declared.forEach(d -> runs.add(new JsonObject().put("id", d.runId()).put("experiment", d.experiment())));
        return new JsonObject().put("submission", id).put("script", script.name()).put("runs", runs)
                .put("events", "/api/submissions/" + id + "/events");
    }

    /**
     * The experiments a script runs, in order, found by running it with a runner that runs nothing. It stops
     * where the script first reads a result, and after {@value #DECLARE_SECONDS} s; bad input is refused now.
     */
    private List<ExperimentSpec> declare(ScriptRunner.Compiled compiled, List<String> args) {
        var specs = new CopyOnWriteArrayList<ExperimentSpec>();
        var declaring = new ExperimentRunner() {
            @Override
            public RunResult run(ExperimentSpec spec) {
                specs.add(spec);
                return new RunResult(spec.name(), "plan", Path.of("planned-" + spec.name()), List.of());
            }

            @Override
            public String explain(ExperimentSpec spec) {
                return "";
            }
        };
        var future = scripts.submit(() -> compiled.run(declaring, args, new PrintWriter(Writer.nullWriter())));
        try {
            future.get(DECLARE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof BadInputException bad) {
                throw bad;
            }
            if (specs.isEmpty()) {
                // it failed before its first experiment, and would fail the same way when run
                throw new BadInputException(Outcome.describe(e.getCause()) + " (the script failed before it ran any experiment)",
                        e.getCause());
            }
            // the script read a result, which a declaration does not have: the runs it declared so far are known
        }
        // plugin ids, options and schedules are checked now, so a typo is a 400 with its line, not a failed run
        var planner = new RunPlanner(secateur.plugins());
        for (var spec : specs) {
            planner.release(planner.check(spec).pins());
        }
        return List.copyOf(specs);
    }

    private void execute(Submission submission, ScriptRunner.Compiled compiled, List<String> args) {
        var out = new PrintWriter(new LineWriter(line -> submission.append(line("output", new JsonObject().put("line", line)))), true);
        var runner = new ExperimentRunner() {
            @Override
            public RunResult run(ExperimentSpec spec) {
                String runId = submission.runIdFor(spec.name(), () -> RunDirectory.newRunId(spec.name(), clock));
                byRun.put(runId, submission);
                try {
                    var done = queue.run(spec, runId, submission.id);
                    return new RunResult(spec.name(), done.runId(), done.runDir(), done.steps(), done.comparison());
                } finally {
                    awaitLastEvent(submission, runId);
                }
            }

            @Override
            public String explain(ExperimentSpec spec) {
                return secateur.experiments().explain(spec);
            }
        };
        int exit = Outcome.OK;
        String error = null;
        try {
            compiled.run(runner, args, out);
        } catch (Throwable e) {
            exit = Outcome.exitCode(e);
            error = "secateur: " + Outcome.describe(e);
        } finally {
            out.close(); // a last line without a newline too
            for (String runId : submission.unreached()) {
                byRun.remove(runId);
                // a script that stopped on an error or a cancel never reached them: they show as CANCELLED; one
                // that took another path than its declaration simply did not run them
                if (exit == Outcome.OK) {
                    queue.forget(runId);
                } else {
                    queue.abandon(runId);
                }
            }
        }
        submission.end(line("end", new JsonObject().put("exit", exit).put("error", error)));
    }

    private static void awaitLastEvent(Submission submission, String runId) {
        try {
            submission.awaitFinished(runId, 10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String line(String type, JsonObject fields) {
        return new JsonObject().put("type", type).mergeIn(fields).encode();
    }

    /** Splits what a script prints into lines. */
    private static final class LineWriter extends Writer {
        private final java.util.function.Consumer<String> lines;
        private final StringBuilder pending = new StringBuilder();

        LineWriter(java.util.function.Consumer<String> lines) {
            this.lines = lines;
        }

        @Override
        public synchronized void write(char[] chars, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                if (chars[i] == '\n') {
                    lines.accept(pending.toString());
                    pending.setLength(0);
                } else if (chars[i] != '\r') {
                    pending.append(chars[i]);
                }
            }
        }

        @Override
        public synchronized void flush() {
        }

        @Override
        public synchronized void close() {
            if (!pending.isEmpty()) {
                lines.accept(pending.toString());
                pending.setLength(0);
            }
        }
    }

    // ---------------------------------------------------------------- events

    /** Routes run and plugin events to the submissions they belong to and to everyone following /api/events. */
    private void followEvents() {
        var bus = vertx.eventBus();
        for (String address : List.of(Addresses.RUN_STARTED, Addresses.RUN_STEP_COMPLETED, Addresses.RUN_DECIDED,
                Addresses.RUN_COMPLETED, Addresses.RUN_FAILED, Addresses.RUN_CANCELLED, Addresses.FINETUNER_PROGRESS)) {
            bus.<RunEvent>consumer(address, message -> route(message.body()));
        }
        for (String address : List.of(Addresses.PLUGIN_RELOADED, Addresses.PLUGIN_RELOAD_FAILED)) {
            bus.<PluginEvent>consumer(address, message -> {
                ObjectNode node = JSON.valueToTree(message.body());
                node.put("type", "plugin-event");
                node.put("event", message.body().type());
                node.put("address", message.body().address());
                node.put("time", clock.instant().toString());
                String json = node.toString();
                synchronized (pluginEvents) {
                    pluginEvents.addLast(json);
                    while (pluginEvents.size() > KEPT_PLUGIN_EVENTS) {
                        pluginEvents.removeFirst();
                    }
                }
                watchers.forEach(w -> w.event(json));
            });
        }
    }

    /** A run event as one JSON object: {@code type} run-event, {@code event} its name, then its fields. */
    /** A run event to the submission it belongs to and to everyone following /api/events. */
    private void route(RunEvent event) {
        String json = runEvent(event);
        var submission = byRun.get(event.runId());
        if (submission != null) {
            submission.append(json);
        }
        watchers.forEach(w -> w.event(json));
        if (event instanceof RunEvent.RunCompleted || event instanceof RunEvent.RunFailed || event instanceof RunEvent.RunCancelled) {
            byRun.remove(event.runId());
            if (submission != null) {
                submission.finished(event.runId());
            }
        }
    }

    static String runEvent(RunEvent event) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", "run-event");
        node.put("event", event.type());
        node.setAll((ObjectNode) JSON.valueToTree(event));
        return node.toString();
    }

    private void followSubmission(RoutingContext ctx) {
        Submission submission;
        synchronized (submissions) {
            submission = submissions.get(ctx.pathParam("id"));
        }
        if (submission == null) {
            error(ctx, 404, "NOT_FOUND", "unknown submission '" + ctx.pathParam("id") + "'; POST /api/runs answers with the id");
            return;
        }
        var listener = stream(ctx);
        submission.follow(listener);
        ctx.response().closeHandler(v -> submission.unfollow(listener));
    }

    private void followAll(RoutingContext ctx) {
        var listener = stream(ctx);
        synchronized (pluginEvents) {
            pluginEvents.forEach(listener::event);
        }
        watchers.add(listener);
        ctx.response().closeHandler(v -> watchers.remove(listener));
    }

    /** A server-sent event stream on this response; events may come from any thread. */
    private Submission.Listener stream(RoutingContext ctx) {
        HttpServerResponse response = ctx.response().setChunked(true).putHeader("content-type", "text/event-stream")
                .putHeader("cache-control", "no-cache");
        response.write(": secateur\n\n");
        Context context = vertx.getOrCreateContext();
        return new Submission.Listener() {
            @Override
            public void event(String json) {
                context.runOnContext(v -> {
                    if (!response.ended() && !response.closed()) {
                        response.write("data: " + json + "\n\n");
                    }
                });
            }

            @Override
            public void end() {
                context.runOnContext(v -> {
                    if (!response.ended() && !response.closed()) {
                        response.end();
                    }
                });
            }
        };
    }

    // ---------------------------------------------------------------- runs

    private void listRuns(RoutingContext ctx) {
        vertx.executeBlocking(() -> {
            var runs = new JsonArray();
            var onDisk = new java.util.HashSet<String>();
            for (var summary : index.list(queue::isRunning)) {
                onDisk.add(summary.id());
                runs.add(new JsonObject(encode(summary)));
            }
            for (var entry : queue.live()) {
                if (!onDisk.contains(entry.runId())) {
                    runs.add(new JsonObject().put("id", entry.runId()).put("experiment", entry.experiment())
                            .put("status", entry.status().name()).put("submission", entry.submission()));
                }
            }
            return runs;
        }, false).onComplete(done -> {
            if (done.succeeded()) {
                json(ctx, 200, done.result());
            } else {
                error(ctx, 500, "STAGE_FAILED", Outcome.describe(done.cause()));
            }
        });
    }

    private void readRun(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        vertx.executeBlocking(() -> {
            var dir = index.find(id);
            if (dir.isPresent()) {
                var body = new JsonObject().put("id", id).put("status", RunIndex.status(dir.get(), queue.isRunning(id)).name())
                        .put("dir", dir.get().toAbsolutePath().toString())
                        .put("spec", new JsonObject(RunIndex.spec(dir.get()).toString()))
                        .put("results", new JsonArray(encode(RunIndex.results(dir.get()))));
                return body;
            }
            return queue.live().stream().filter(e -> e.runId().equals(id)).findFirst()
                    .map(e -> new JsonObject().put("id", id).put("experiment", e.experiment()).put("status", e.status().name()))
                    .orElse(null);
        }, false).onComplete(done -> {
            if (done.failed()) {
                error(ctx, 500, "STAGE_FAILED", Outcome.describe(done.cause()));
            } else if (done.result() == null) {
                error(ctx, 404, "NOT_FOUND", "unknown run '" + id + "'; GET /api/runs lists the runs in " + options.runsDir());
            } else {
                json(ctx, 200, done.result());
            }
        });
    }

    private void cancelRun(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        switch (queue.cancel(id)) {
            case BEFORE_START -> {
                // no directory, so no recorder: the event goes straight to whoever follows the run
                var entry = queue.live().stream().filter(e -> e.runId().equals(id)).findFirst().orElseThrow();
                route(new RunEvent.RunCancelled(id, entry.experiment(), "run " + id + " was cancelled before it started", null));
                json(ctx, 202, new JsonObject().put("id", id).put("status", "CANCELLED").put("message", "run " + id + " will not start"));
            }
            case STOPPING -> json(ctx, 202, new JsonObject().put("id", id).put("status", "CANCELLING")
                    .put("message", "run " + id + " stops at its next stage boundary and is marked CANCELLED"));
            case ALREADY -> error(ctx, 409, "BAD_INPUT", "run " + id + " is CANCELLED already; it never started");
            case NOT_LIVE -> {
                var dir = index.find(id);
                if (dir.isPresent()) {
                    error(ctx, 409, "BAD_INPUT", "run " + id + " is " + RunIndex.status(dir.get(), false)
                            + "; only a queued or running run can be cancelled");
                } else {
                    error(ctx, 404, "NOT_FOUND", "unknown run '" + id + "'; GET /api/runs lists the runs");
                }
            }
        }
    }

    // ---------------------------------------------------------------- plugins

    private void listPlugins(RoutingContext ctx) {
        // creating an extension runs plugin code, so not on the event loop
        vertx.executeBlocking(() -> {
            var host = secateur.plugins();
            var plugins = new JsonArray();
            for (InstalledPlugin p : host.installed()) {
                Map<String, ?> options;
                try {
                    options = p.kind() == InstalledPlugin.Kind.SALIENCY ? host.saliency(p.id()).extension().options()
                            : host.schedule(p.id()).extension().options();
                } catch (RuntimeException gone) {
                    continue; // removed by a reload since installed() was read
                }
                plugins.add(new JsonObject().put("kind", p.kind().label()).put("id", p.id()).put("version", p.version())
                        .put("file", p.source().toString()).put("description", p.description())
                        .put("options", new JsonObject(new LinkedHashMap<>(options))));
            }
            var events = new JsonArray();
            synchronized (pluginEvents) {
                pluginEvents.forEach(e -> events.add(new JsonObject(e)));
            }
            return new JsonObject().put("plugins", plugins).put("failures", new JsonArray(host.failures()))
                    .put("directories", new JsonArray(host.directories().stream().map(Path::toString).toList())).put("events", events);
        }, false).onComplete(done -> {
            if (done.succeeded()) {
                json(ctx, 200, done.result());
            } else {
                error(ctx, 500, "STAGE_FAILED", Outcome.describe(done.cause()));
            }
        });
    }

    /** One look at the plugin directories, unless the last one is still going; changes become events and meters. */
    private void refreshPlugins() {
        if (!refreshing.compareAndSet(false, true)) {
            return;
        }
        vertx.executeBlocking(() -> secateur.plugins().refresh(true), false).onComplete(done -> {
            refreshing.set(false);
            if (done.succeeded()) {
                for (var change : done.result()) {
                    pluginMetrics.changed(change);
                    var event = PluginEvent.of(change);
                    vertx.eventBus().publish(event.address(), event);
                }
            }
        });
    }

    @Override
    public void close() {
        if (watcher >= 0) {
            vertx.cancelTimer(watcher);
        }
        scripts.shutdownNow();
        if (http != null) {
            try {
                http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the process is stopping
            }
        }
        if (tokenFile != null) {
            try {
                Files.deleteIfExists(tokenFile);
            } catch (java.io.IOException ignored) {
                // a stale token is useless once the server is gone
            }
        }
    }
}
