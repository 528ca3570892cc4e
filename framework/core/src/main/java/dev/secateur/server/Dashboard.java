package dev.secateur.server;

import dev.secateur.config.Version;
import dev.secateur.metrics.MetricsServer;
import dev.secateur.plugin.PluginDescriptor;
import dev.secateur.record.RunDetail;
import dev.secateur.record.RunIndex;
import dev.secateur.runtime.Outcome;
import dev.secateur.runtime.Secateur;
import io.micrometer.core.instrument.Meter;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The page and the read side of the API, shared by {@code serve} and {@code run --dashboard}: the dashboard
 * ({@code /}, assets under {@code /assets/}), runs and their details, files, plugins, the event stream and
 * the meters, as JSON and as Prometheus text. Everything it answers is read from the run directories, the
 * plugin host and the Micrometer registry when asked; it keeps no numbers of its own.
 */
final class Dashboard {

    /**
     * A run's file, report.html included, in a unique opaque origin (sandbox without allow-same-origin): it
     * cannot read the dashboard's cookie or storage, reach the API, open windows, submit forms or navigate the
     * tab. Its own inline scripts run, so a report draws its charts, and it loads nothing from anywhere.
     */
    static final String FILE_POLICY = "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; "
            + "style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'";

    /** Where the page's files are, on the class path. */
    static final String WEB_ROOT = "dev/secateur/web";

    private final Vertx vertx;
    private final Secateur secateur;
    private final RunIndex index;
    private final LiveRuns live;
    private final EventFeed feed;
    private final String mode;

    Dashboard(Secateur secateur, RunIndex index, LiveRuns live, EventFeed feed, String mode) {
        this.vertx = secateur.vertx();
        this.secateur = secateur;
        this.index = index;
        this.live = live;
        this.feed = feed;
        this.mode = mode;
    }

    /** Adds the page and the read routes. */
    void mount(Router router) {
        router.get("/").handler(ctx -> ctx.reroute("/assets/index.html"));
        router.get("/assets/*").handler(StaticHandler.create(WEB_ROOT).setCachingEnabled(false));
        router.get("/api/info").handler(this::info);
        router.get("/api/runs").handler(this::listRuns);
        router.get("/api/runs/:id").handler(this::readRun);
        router.get("/api/runs/:id/files/*").handler(this::readFile);
        router.get("/api/events").handler(feed::follow);
        router.get("/api/plugins").handler(this::listPlugins);
        router.get("/api/metrics").handler(this::meters);
        router.get(MetricsServer.PATH).handler(ctx -> MetricsServer.scrape(vertx, secateur.registry(), ctx.request()));
    }

    /** The 404 of anything else, and the JSON of a request that failed; add after every route. */
    static void fallbacks(Router router, String tooLarge) {
        router.route().handler(ctx -> HttpJson.error(ctx, 404, "NOT_FOUND", "no such endpoint: " + ctx.request().method() + " "
                + ctx.request().path() + "; the page is /, the API /api/runs, /api/runs/{id}, /api/runs/{id}/files/{path}, "
                + "/api/events, /api/plugins, /api/metrics and /metrics"));
        router.route().failureHandler(ctx -> {
            int status = ctx.statusCode() < 0 ? 500 : ctx.statusCode();
            String message = status == 413 ? tooLarge
                    : ctx.failure() == null ? "request failed with status " + status : String.valueOf(ctx.failure().getMessage());
            HttpJson.error(ctx, status, status == 413 || status == 400 ? "BAD_INPUT" : "STAGE_FAILED", message);
        });
    }

    private void info(RoutingContext ctx) {
        HttpJson.json(ctx, 200, new JsonObject().put("mode", mode).put("version", Version.get())
                .put("runsDir", index.runsDir().toAbsolutePath().toString()).put("submit", "serve".equals(mode)));
    }

    /** Runs off the event loop, answering JSON, or 404 with {@code missing} when the work finds nothing (null). */
    private void blocking(RoutingContext ctx, Callable<Object> work, String missing) {
        vertx.executeBlocking(work, false).onComplete(done -> {
            if (done.failed()) {
                HttpJson.error(ctx, 500, "STAGE_FAILED", Outcome.describe(done.cause()));
            } else if (done.result() == null) {
                HttpJson.error(ctx, 404, "NOT_FOUND", missing);
            } else {
                HttpJson.json(ctx, 200, done.result());
            }
        });
    }

    private void listRuns(RoutingContext ctx) {
        blocking(ctx, () -> {
            var runs = new JsonArray();
            var onDisk = new HashSet<String>();
            for (var summary : index.list(live::isRunning)) {
                onDisk.add(summary.id());
                runs.add(new JsonObject(HttpJson.encode(summary)));
            }
            for (var entry : live.waiting()) {
                if (!onDisk.contains(entry.runId())) {
                    runs.add(new JsonObject().put("id", entry.runId()).put("experiment", entry.experiment())
                            .put("status", entry.status().name()).put("submission", entry.submission()));
                }
            }
            return runs;
        }, null);
    }

    private void readRun(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        blocking(ctx, () -> {
            var dir = index.find(id);
            if (dir.isPresent()) {
                return new JsonObject(RunDetail.of(dir.get(), live.isRunning(id)).toString());
            }
            var waiting = live.waiting().stream().filter(e -> e.runId().equals(id)).findFirst();
            if (waiting.isPresent()) {
                return new JsonObject().put("id", id).put("experiment", waiting.get().experiment()).put("status", waiting.get().status().name());
            }
            return null;
        }, "unknown run '" + id + "'; GET /api/runs lists the runs in " + index.runsDir());
    }

    /**
     * {@code GET /api/runs/{id}/files/{path}}: one file of a run directory, never anything outside it: the path
     * is resolved inside the run directory, and its real path, links followed, must still be there.
     */
    private void readFile(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        String relative = decode(ctx.pathParam("*"));
        vertx.executeBlocking(() -> resolve(id, relative), false).onComplete(done -> {
            if (done.failed()) {
                HttpJson.error(ctx, 500, "STAGE_FAILED", Outcome.describe(done.cause()));
            } else if (done.result().isEmpty()) {
                HttpJson.error(ctx, 404, "NOT_FOUND", "run '" + id + "' has no file '" + relative
                        + "'; GET /api/runs/" + id + " lists its files");
            } else {
                Path file = done.result().get();
                String name = file.getFileName().toString();
                // anyone who can write a run directory writes these files: each opens sandboxed, in an origin of its own
                ctx.response().putHeader("content-type", contentType(name)).putHeader("content-security-policy", FILE_POLICY);
                if (name.endsWith(".npy") || name.endsWith(".zip") || name.endsWith(".sparse")) {
                    ctx.response().putHeader("content-disposition", "attachment; filename=\"" + name + "\"");
                }
                ctx.response().sendFile(file.toString());
            }
        });
    }

    /** Percent-decoding of a path (a {@code +} stays a plus); null when it is not valid. */
    private static String decode(String raw) {
        try {
            return raw == null ? null : URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The file, if the id names a run and the path a regular file inside its directory. */
    private Optional<Path> resolve(String id, String relative) throws IOException {
        var dir = index.find(id);
        if (dir.isEmpty() || relative == null || relative.isEmpty() || relative.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        // hidden files are bookkeeping, never results: .lock above all, whose opening and closing in this process
        // would drop the operating-system lock a run of this server holds on it
        if (Arrays.stream(relative.split("/")).anyMatch(part -> part.startsWith("."))) {
            return Optional.empty();
        }
        Path root = dir.get().toRealPath();
        Path file;
        try {
            file = root.resolve(relative).normalize();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        if (!file.startsWith(root) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !file.toRealPath().startsWith(root)) {
            return Optional.empty();
        }
        return Optional.of(file);
    }

    private static String contentType(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".html")) {
            return "text/html; charset=utf-8";
        } else if (lower.endsWith(".json") || lower.endsWith(".jsonl")) {
            return "application/json";
        } else if (lower.endsWith(".csv")) {
            return "text/csv; charset=utf-8";
        } else if (lower.endsWith(".png")) {
            return "image/png";
        } else if (lower.endsWith(".txt") || !lower.contains(".") || lower.endsWith("failed") || lower.endsWith("cancelled")) {
            return "text/plain; charset=utf-8";
        }
        return "application/octet-stream";
    }

    private void listPlugins(RoutingContext ctx) {
        // what each file was found to hold when it was loaded: a listing runs no plugin code
        blocking(ctx, () -> {
            var host = secateur.plugins();
            var plugins = new JsonArray();
            for (PluginDescriptor p : host.descriptors()) {
                if (p.failed()) {
                    continue; // listed under failures
                }
                plugins.add(new JsonObject().put("kind", p.kind().label()).put("id", p.id()).put("version", p.version())
                        .put("file", p.file().toString()).put("description", p.description())
                        .put("options", new JsonObject(new LinkedHashMap<>(p.options()))));
            }
            var events = new JsonArray();
            feed.pluginEvents().forEach(e -> events.add(new JsonObject(e)));
            return new JsonObject().put("plugins", plugins).put("failures", new JsonArray(host.failures()))
                    .put("directories", new JsonArray(host.directories().stream().map(Path::toString).toList())).put("events", events);
        }, null);
    }

    /** Secateur's meters as the registry has them now: the numbers /metrics serves, as JSON for the page. */
    private void meters(RoutingContext ctx) {
        blocking(ctx, () -> {
            var meters = new JsonArray();
            for (Meter meter : secateur.registry().getMeters()) {
                var id = meter.getId();
                if (!id.getName().startsWith("secateur.")) {
                    continue;
                }
                var tags = new JsonObject();
                id.getTags().forEach(t -> tags.put(t.getKey(), t.getValue()));
                var values = new JsonObject();
                meter.measure().forEach(m -> values.put(m.getStatistic().name().toLowerCase(Locale.ROOT), finite(m.getValue())));
                meters.add(new JsonObject().put("name", id.getName()).put("type", id.getType().name().toLowerCase(Locale.ROOT))
                        .put("baseUnit", id.getBaseUnit()).put("tags", tags).put("values", values));
            }
            return new JsonObject().put("meters", meters);
        }, null);
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
