package dev.secateur.server;

import dev.secateur.errors.BadInputException;
import dev.secateur.record.RunIndex;
import dev.secateur.runtime.Secateur;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/secateur run --dashboard}: the dashboard and its read API, with /metrics, for the runs of one
 * process, on 127.0.0.1. Nothing can be submitted or cancelled through it, so it has no token.
 */
public final class DashboardServer implements AutoCloseable {

    private final HttpServer http;

    private DashboardServer(HttpServer http) {
        this.http = http;
    }

    /** Listens on 127.0.0.1; port 0 picks a free one. Waits until it listens. */
    public static DashboardServer start(Secateur secateur, Path runsDir, int port) {
        var feed = new EventFeed(secateur.vertx(), Clock.systemUTC());
        var live = new LiveRuns() {
            @Override
            public boolean isRunning(String runId) {
                return feed.isLive(runId);
            }

            @Override
            public List<RunQueue.Entry> waiting() {
                return List.of();
            }
        };
        var router = Router.router(secateur.vertx());
        Dashboard.headers(router, "127.0.0.1");
        new Dashboard(secateur, new RunIndex(runsDir), live, feed, "run", null).mount(router);
        Dashboard.fallbacks(router, "the request is too large");
        try {
            var http = secateur.vertx().createHttpServer().requestHandler(router).listen(port, "127.0.0.1")
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            EventFeed.announcePlugins(secateur.vertx(), secateur.plugins());
            return new DashboardServer(http);
        } catch (Exception e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new BadInputException("cannot serve the dashboard on 127.0.0.1:" + port + " (" + cause.getMessage()
                    + "); choose another port, or 0 for a free one");
        }
    }

    public int port() {
        return http.actualPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port() + "/";
    }

    @Override
    public void close() {
        try {
            http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the process is stopping
        }
    }
}
