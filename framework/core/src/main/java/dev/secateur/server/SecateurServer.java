package dev.secateur.server;

import dev.secateur.bus.PluginEvent;
import dev.secateur.bus.RunEvent;
import dev.secateur.cluster.ClusterSweep;
import dev.secateur.config.SecateurConfig;
import dev.secateur.data.DatasetLoader;
import dev.secateur.dsl.ExperimentRunner;
import dev.secateur.dsl.RunResult;
import dev.secateur.dsl.ScriptRunner;
import dev.secateur.errors.BadInputException;
import dev.secateur.record.RunDirectory;
import dev.secateur.record.RunIndex;
import dev.secateur.run.RunPlanner;
import dev.secateur.runtime.Outcome;
import dev.secateur.runtime.Secateur;
import dev.secateur.spec.ExperimentSpec;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
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
import java.util.ArrayList;
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

    private static final int KEPT_SUBMISSIONS = 100;
    private static final long DECLARE_SECONDS = 10;

    private final Secateur secateur;
    private final Vertx vertx;
    private final ServerOptions options;
    private final ApiToken token = ApiToken.generate();
    private final RunQueue queue;
    private final RunIndex index;
    private final ExecutorService scripts = Executors.newCachedThreadPool(runnable -> {
        var thread = new Thread(runnable, "secateur-script");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Submission> submissions = new LinkedHashMap<>();
    private final Map<String, Submission> byRun = new ConcurrentHashMap<>();
    /** Under serve --cluster, the sweep each of a runAll's runs is in, so that cancelling one stops it on its worker. */
    private final Map<String, ClusterSweep> sweeps = new ConcurrentHashMap<>();
    private final AtomicLong submissionCount = new AtomicLong();
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final Clock clock = Clock.systemUTC();
    private final EventFeed feed;
    private HttpServer http;
    private Path tokenFile;
    private long watcher = -1;

    private SecateurServer(Secateur secateur, ServerOptions options) {
        this.secateur = secateur;
        this.vertx = secateur.vertx();
        this.options = options;
        this.queue = new RunQueue(secateur.experiments(), options.runsDir(), options.maxConcurrentRuns());
        this.index = new RunIndex(options.runsDir());
        this.feed = new EventFeed(vertx, clock);
        feed.onRunEvent(this::toSubmission);
    }

    /** Listens, writes the token file and starts watching the plugin directories; waits until it listens. */
    public static SecateurServer start(Secateur secateur, ServerOptions options) {
        var server = new SecateurServer(secateur, options);
        server.listen();
        return server;
    }

    private void listen() {
        try {
            http = vertx.createHttpServer().requestHandler(router()).listen(options.port(), options.host())
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new BadInputException("cannot listen on " + options.host() + ":" + options.port() + " (" + cause.getMessage()
                    + "); choose another --port, or 0 for a free one");
        }
        tokenFile = token.writeTo(options.tokenFile() != null ? options.tokenFile() : ApiToken.defaultFile(options.host(), port()));
        EventFeed.announcePlugins(vertx, secateur.plugins());
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
        Dashboard.headers(router, options.host());
        // the token is checked on a route of its own, before the body is read
        router.post("/api/runs").handler(this::requireToken);
        // JSON escaping can make a script's body several times its size: the script itself is measured once parsed
        router.post("/api/runs").handler(BodyHandler.create(false).setBodyLimit(options.scriptLimitBytes() * 6L + 4096))
                .handler(this::submit);
        router.delete("/api/runs/:id").handler(this::requireToken).handler(this::cancelRun);
        router.get("/api/submissions/:id/events").handler(this::followSubmission);
        var live = new LiveRuns() {
            @Override
            public boolean isRunning(String runId) {
                return queue.isRunning(runId);
            }

            @Override
            public List<RunQueue.Entry> waiting() {
                return queue.live();
            }
        };
        new Dashboard(secateur, index, live, feed, "serve", token).mount(router);
        Dashboard.fallbacks(router, tooLarge());
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
            HttpJson.error(ctx, 401, "UNAUTHORIZED", "this request changes the server, so it needs the API token: send 'Authorization: "
                    + "Bearer <token>' with the token in " + tokenFile + " (bin/secateur submit reads it from there)");
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
            HttpJson.error(ctx, 400, "BAD_INPUT", e.getMessage());
            return;
        }
        if (script.text().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > options.scriptLimitBytes()) {
            HttpJson.error(ctx, 413, "BAD_INPUT", tooLarge());
            return;
        }
        vertx.executeBlocking(() -> start(script), false).onComplete(done -> {
            if (done.succeeded()) {
                HttpJson.json(ctx, 202, done.result());
            } else if (done.cause() instanceof BadInputException bad) {
                HttpJson.error(ctx, 400, "BAD_INPUT", bad.getMessage());
            } else {
                HttpJson.error(ctx, 500, "STAGE_FAILED", Outcome.describe(done.cause()));
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

            /** Under serve --cluster, a sweep's experiments run at once on the workers, outside the server's queue. */
            @Override
            public List<RunResult> runAll(List<ExperimentSpec> specs) {
                var cluster = secateur.cluster();
                if (cluster.isEmpty()) {
                    return ExperimentRunner.super.runAll(specs);
                }
                var sweep = new ClusterSweep(cluster.get(), new DatasetLoader(), secateur.config().timeout(SecateurConfig.EXPERIMENT), out);
                var runIds = new java.util.ArrayList<String>();
                try {
                    var finished = sweep.run(specs, options.runsDir(), spec -> {
                        String runId = submission.runIdFor(spec.name(), () -> RunDirectory.newRunId(spec.name(), clock));
                        runIds.add(runId);
                        sweeps.put(runId, sweep);
                        return runId;
                    });
                    return java.util.stream.IntStream.range(0, specs.size()).mapToObj(i -> new RunResult(specs.get(i).name(),
                            finished.get(i).runId(), finished.get(i).runDir(), finished.get(i).steps(), List.of())).toList();
                } finally {
                    runIds.forEach(queue::forget);
                    runIds.forEach(sweeps::remove);
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

    /** A run event to the submission whose script started the run; its last event lets the submission end. */
    private void toSubmission(RunEvent event) {
        var submission = byRun.get(event.runId());
        if (submission == null) {
            return;
        }
        submission.append(EventFeed.runEvent(event));
        if (EventFeed.ends(event)) {
            byRun.remove(event.runId());
            submission.finished(event.runId());
        }
    }

    private void followSubmission(RoutingContext ctx) {
        Submission submission;
        synchronized (submissions) {
            submission = submissions.get(ctx.pathParam("id"));
        }
        if (submission == null) {
            HttpJson.error(ctx, 404, "NOT_FOUND", "unknown submission '" + ctx.pathParam("id") + "'; POST /api/runs answers with the id");
            return;
        }
        var listener = EventFeed.stream(vertx, ctx);
        submission.follow(listener);
        ctx.response().closeHandler(v -> submission.unfollow(listener));
    }

    // ---------------------------------------------------------------- runs

    private void cancelRun(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        var sweep = sweeps.get(id);
        if (sweep != null && sweep.cancel(id)) {
            HttpJson.json(ctx, 202, new JsonObject().put("id", id).put("status", "CANCELLING")
                    .put("message", "run " + id + " stops on its cluster worker at its next stage boundary and is marked CANCELLED"));
            return;
        }
        switch (queue.cancel(id)) {
            case BEFORE_START -> {
                // no directory, so no recorder: the event goes straight to whoever follows the run
                var entry = queue.live().stream().filter(e -> e.runId().equals(id)).findFirst().orElseThrow();
                feed.route(new RunEvent.RunCancelled(id, entry.experiment(), "run " + id + " was cancelled before it started", null));
                HttpJson.json(ctx, 202, new JsonObject().put("id", id).put("status", "CANCELLED").put("message", "run " + id + " will not start"));
            }
            case STOPPING -> HttpJson.json(ctx, 202, new JsonObject().put("id", id).put("status", "CANCELLING")
                    .put("message", "run " + id + " stops at its next stage boundary and is marked CANCELLED"));
            case ALREADY -> HttpJson.error(ctx, 409, "BAD_INPUT", "run " + id + " is CANCELLED already; it never started");
            case NOT_LIVE -> {
                var dir = index.find(id);
                if (dir.isPresent()) {
                    HttpJson.error(ctx, 409, "BAD_INPUT", "run " + id + " is " + RunIndex.status(dir.get(), false)
                            + "; only a queued or running run can be cancelled");
                } else {
                    HttpJson.error(ctx, 404, "NOT_FOUND", "unknown run '" + id + "'; GET /api/runs lists the runs");
                }
            }
        }
    }

    // ---------------------------------------------------------------- plugins

    /** One look at the plugin directories, unless the last one is still going; changes become events and meters. */
    private void refreshPlugins() {
        if (!refreshing.compareAndSet(false, true)) {
            return;
        }
        vertx.executeBlocking(() -> secateur.plugins().refresh(true), false).onComplete(done -> {
            refreshing.set(false);
            if (done.succeeded()) {
                for (var change : done.result()) {
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
