package dev.secateur.server;

import dev.secateur.errors.BadInputException;
import dev.secateur.record.RunIndex;
import dev.secateur.runtime.Secateur;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/secateur run --dashboard}: the dashboard and its read API, with /metrics, for the runs of one
 * process, on 127.0.0.1. Nothing can be submitted or cancelled through it, but what it reads (specs, files,
 * meters) is the user's, so it has serve's gate: a token on every route, set from the printed URL as a cookie.
 */
public final class DashboardServer implements AutoCloseable {

    private final HttpServer http;
    private final ApiToken token;
    private final Path tokenFile;

    private DashboardServer(HttpServer http, ApiToken token, Path tokenFile) {
        this.http = http;
        this.token = token;
        this.tokenFile = tokenFile;
    }

    /** Listens on 127.0.0.1; port 0 picks a free one. Waits until it listens, then writes the token file. */
    public static DashboardServer start(Secateur secateur, Path runsDir, int port) {
        var streams = new EventStreams(secateur.vertx(), EventStreams.DEFAULT_MAX);
        var feed = new EventFeed(secateur.vertx(), streams, Clock.systemUTC());
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
        var token = ApiToken.generate();
        var file = new Path[1];
        var router = Router.router(secateur.vertx());
        new AccessGate(token, () -> file[0], AccessGate.hostsFor(ServerOptions.LOOPBACK, List.of())).mount(router);
        new Dashboard(secateur, new RunIndex(runsDir), live, feed, "run").mount(router);
        Dashboard.fallbacks(router, "the request is too large");
        HttpServer http;
        try {
            http = secateur.vertx().createHttpServer(ServerOptions.http()).requestHandler(router).listen(port, ServerOptions.LOOPBACK)
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new BadInputException("cannot serve the dashboard on 127.0.0.1:" + port + " (" + cause.getMessage()
                    + "); choose another port, or 0 for a free one");
        }
        file[0] = token.writeTo(ApiToken.defaultFile(ServerOptions.LOOPBACK, http.actualPort()));
        EventFeed.announcePlugins(secateur.vertx(), secateur.plugins());
        return new DashboardServer(http, token, file[0]);
    }

    public int port() {
        return http.actualPort();
    }

    /** The URL to open: it carries the token once, and the page swaps it for a cookie. */
    public String url() {
        return "http://127.0.0.1:" + port() + "/?" + AccessGate.TOKEN_PARAM + "=" + token.value();
    }

    /** Where the token is, for curl and Prometheus ({@code Authorization: Bearer}). */
    public Path tokenFile() {
        return tokenFile;
    }

    @Override
    public void close() {
        try {
            http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the process is stopping
        }
        try {
            Files.deleteIfExists(tokenFile);
        } catch (IOException ignored) {
            // a stale token is useless once the dashboard is gone
        }
    }
}
