package dev.secateur.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.bus.RunEvent;
import dev.secateur.errors.BadInputException;
import dev.secateur.record.RunDirectory;
import dev.secateur.record.RunIndex;
import dev.secateur.runtime.Outcome;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The routes of {@code serve}, every one behind the {@link AccessGate}: the dashboard's read side, and the
 * API that changes things.
 * <ul>
 *   <li>{@code POST /api/runs} takes a Groovy script (the body, or JSON with {@code script}, {@code name} and
 *   {@code args}) and answers with the runs it declares; {@code GET /api/submissions/{id}/events} streams
 *   what it does as server-sent events;</li>
 *   <li>{@code POST /api/runs/{id}/resume} runs the script of a stopped run again with resume;</li>
 *   <li>{@code DELETE /api/runs/{id}} cancels a run.</li>
 * </ul>
 */
final class ApiRoutes {

    private final Vertx vertx;
    private final ServerOptions options;
    private final Submissions submissions;
    private final RunQueue queue;
    private final RunIndex index;
    private final EventFeed feed;
    private final EventStreams streams;

    ApiRoutes(Vertx vertx, ServerOptions options, Submissions submissions, RunQueue queue, RunIndex index, EventFeed feed,
              EventStreams streams) {
        this.vertx = vertx;
        this.options = options;
        this.submissions = submissions;
        this.queue = queue;
        this.index = index;
        this.feed = feed;
        this.streams = streams;
    }

    /** The gate first, then the API, the page and its reads, then the fallbacks. */
    Router router(AccessGate gate, Dashboard dashboard) {
        var router = Router.router(vertx);
        gate.mount(router);
        // JSON escaping can make a script's body several times its size: the script itself is measured once parsed
        router.post("/api/runs").handler(BodyHandler.create(false).setBodyLimit(options.bodyLimitBytes())).handler(this::submit);
        router.post("/api/runs/:id/resume").handler(this::resume);
        router.delete("/api/runs/:id").handler(this::cancelRun);
        router.get("/api/submissions/:id/events").handler(this::followSubmission);
        dashboard.mount(router);
        Dashboard.fallbacks(router, tooLarge());
        return router;
    }

    private String tooLarge() {
        return "the script is larger than " + options.scriptLimitBytes() + " bytes, the limit of this server; split it, or keep "
                + "data and models in files the script names";
    }

    // ---------------------------------------------------------------- submitting and resuming

    private void submit(RoutingContext ctx) {
        Submissions.Script script;
        try {
            script = script(ctx);
        } catch (BadInputException e) {
            HttpJson.error(ctx, 400, "BAD_INPUT", e.getMessage());
            return;
        }
        if (script.text().getBytes(StandardCharsets.UTF_8).length > options.scriptLimitBytes()) {
            HttpJson.error(ctx, 413, "BAD_INPUT", tooLarge());
            return;
        }
        started(ctx, () -> submissions.start(script));
    }

    /** Answers 202 with what a blocking start returned, or the error a client can act on. */
    private void started(RoutingContext ctx, Callable<JsonObject> start) {
        vertx.executeBlocking(start, false).onComplete(done -> {
            if (done.succeeded()) {
                HttpJson.json(ctx, 202, done.result());
            } else if (done.cause() instanceof NotFound missing) {
                HttpJson.error(ctx, 404, "NOT_FOUND", missing.getMessage());
            } else if (done.cause() instanceof BadInputException bad) {
                HttpJson.error(ctx, 400, "BAD_INPUT", bad.getMessage());
            } else if (done.cause() instanceof RejectedExecutionException busy) {
                ctx.response().putHeader("retry-after", "30");
                HttpJson.error(ctx, 503, "TOO_MANY_SCRIPTS", busy.getMessage());
            } else {
                HttpJson.error(ctx, 500, "STAGE_FAILED", Outcome.describe(done.cause()));
            }
        });
    }

    private static Submissions.Script script(RoutingContext ctx) {
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
            return new Submissions.Script(text, name(body.getValue("name") instanceof String named ? named : null), args);
        }
        String text = ctx.body().asString();
        if (text == null || text.isBlank()) {
            throw new BadInputException("the request body is empty; send the Groovy script as the body, or JSON with \"script\"");
        }
        return new Submissions.Script(text, name(ctx.request().getParam("name")), ctx.queryParam("arg"));
    }

    /** The file name a script is reported under: what the client called it, without directories or odd characters. */
    static String name(String given) {
        String base = given == null ? "" : given.substring(given.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
        String name = base.isBlank() || base.chars().allMatch(c -> c == '.') ? "script" : base;
        return name.endsWith(".groovy") ? name : name + ".groovy";
    }

    /** {@code POST /api/runs/{id}/resume}: a killed, interrupted, failed, cancelled or timed-out run continues. */
    private void resume(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (queue.isRunning(id) || queue.live().stream().anyMatch(e -> e.runId().equals(id) && e.status() == RunIndex.Status.QUEUED)) {
            HttpJson.error(ctx, 409, "BAD_INPUT", "run " + id + " is queued or running in this server; wait for it to end, or cancel "
                    + "it (DELETE /api/runs/" + id + "), before resuming");
            return;
        }
        started(ctx, () -> {
            var dir = index.find(id).orElseThrow(() -> new NotFound("unknown run '" + id + "'; GET /api/runs lists the runs"));
            var status = RunIndex.status(dir, false);
            if (status == RunIndex.Status.RUNNING || status == RunIndex.Status.COMPLETED) {
                throw new BadInputException("run " + id + " is " + status + "; only a killed, interrupted, failed, cancelled or "
                        + "timed-out run can be resumed");
            }
            JsonNode spec = HttpJson.JSON.readTree(dir.resolve(RunDirectory.SPEC).toFile());
            // ?acceptChanges=true: go on even if the run's data or plugin files changed, recorded in its spec.json
            return submissions.resume(id, spec.path("experiment").asText(id), spec,
                    "true".equals(ctx.queryParams().get("acceptChanges")));
        });
    }

    /** A run the request names that is not there: {@link #started} answers 404. */
    private static final class NotFound extends BadInputException {
        NotFound(String message) {
            super(message);
        }
    }

    private void followSubmission(RoutingContext ctx) {
        var submission = submissions.find(ctx.pathParam("id"));
        if (submission == null) {
            HttpJson.error(ctx, 404, "NOT_FOUND", "unknown submission '" + ctx.pathParam("id") + "'; POST /api/runs answers with the id");
            return;
        }
        var holder = new AtomicReference<Submission.Listener>();
        streams.open(ctx, () -> submission.unfollow(holder.get())).ifPresent(listener -> {
            holder.set(listener);
            submission.follow(listener);
        });
    }

    // ---------------------------------------------------------------- cancelling

    private void cancelRun(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (submissions.cancelSwept(id)) {
            HttpJson.json(ctx, 202, new JsonObject().put("id", id).put("status", "CANCELLING")
                    .put("message", "run " + id + " is cancelled on its cluster worker at its next stage boundary; its directory stays there and does not come back"));
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
}
