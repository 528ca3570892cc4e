package dev.secateur.server;

import dev.secateur.errors.BadInputException;
import dev.secateur.record.RunIndex;
import dev.secateur.runtime.Secateur;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/secateur serve}: Secateur kept running behind an HTTP API, on one Vert.x Web router. It starts and
 * stops the pieces: the {@link AccessGate} (token and Host on every route), the {@link ApiRoutes}, the
 * {@link Submissions} and the {@link PluginWatcher}. The token is written at start to a file only its user can
 * read; the URL to open in a browser carries it once.
 */
public final class SecateurServer implements AutoCloseable {

    private final Secateur secateur;
    private final ServerOptions options;
    private final ApiToken token = ApiToken.generate();
    private final Submissions submissions;
    private final EventStreams streams;
    private final Router router;
    private HttpServer http;
    private Path tokenFile;
    private PluginWatcher watcher;

    private SecateurServer(Secateur secateur, ServerOptions options) {
        this.secateur = secateur;
        this.options = options;
        Vertx vertx = secateur.vertx();
        var clock = Clock.systemUTC();
        var queue = new RunQueue(secateur.experiments(), options.runsDir(), options.maxConcurrentRuns());
        var index = new RunIndex(options.runsDir());
        this.streams = new EventStreams(vertx, options.maxEventStreams());
        var feed = new EventFeed(vertx, streams, clock);
        this.submissions = new Submissions(secateur, options, queue, clock);
        feed.onRunEvent(submissions::onRunEvent);
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
        var gate = new AccessGate(token, this::tokenFile, AccessGate.hostsFor(options.host(), options.allowedHosts()));
        this.router = new ApiRoutes(vertx, options, submissions, queue, index, feed, streams)
                .router(gate, new Dashboard(secateur, index, live, feed, "serve"));
    }

    /** Listens, writes the token file and starts watching the plugin directories; waits until it listens. */
    public static SecateurServer start(Secateur secateur, ServerOptions options) {
        var server = new SecateurServer(secateur, options);
        server.listen();
        return server;
    }

    private void listen() {
        try {
            http = secateur.vertx().createHttpServer(ServerOptions.http()).requestHandler(router).listen(options.port(), options.host())
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new BadInputException("cannot listen on " + options.host() + ":" + options.port() + " (" + cause.getMessage()
                    + "); choose another --port, or 0 for a free one");
        }
        tokenFile = token.writeTo(options.tokenFile() != null ? options.tokenFile() : ApiToken.defaultFile(options.host(), port()));
        watcher = PluginWatcher.start(secateur.vertx(), secateur.plugins());
    }

    public int port() {
        return http.actualPort();
    }

    /** Where clients send requests, as bound; without the token. */
    public String url() {
        return "http://" + AccessGate.bracketed(options.host()) + ":" + port();
    }

    /**
     * The URL to open in a browser: it carries the token once, and the page swaps it for a cookie. On a wildcard
     * address, the loopback one: 0.0.0.0 names no interface, so the Host check does not take it.
     */
    public String browserUrl() {
        String host = AccessGate.isWildcard(options.host()) ? ServerOptions.LOOPBACK : AccessGate.bracketed(options.host());
        return "http://" + host + ":" + port() + "/?" + AccessGate.TOKEN_PARAM + "=" + token.value();
    }


    public Path tokenFile() {
        return tokenFile;
    }

    /** The routes, every one behind the gate; for the test that proves it. */
    Router router() {
        return router;
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
        submissions.close();
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
            } catch (IOException ignored) {
                // a stale token is useless once the server is gone
            }
        }
    }
}
