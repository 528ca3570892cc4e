package dev.secateur.server;

import io.vertx.core.http.HttpServerOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How {@code bin/secateur serve} listens and runs, and the caps that keep a client from holding its memory.
 *
 * @param host              the interface to bind; anything but loopback lets other machines submit code
 * @param port              the port, 0 for any free one
 * @param runsDir           where run directories go
 * @param maxConcurrentRuns how many experiments run at once; the others wait in the queue
 * @param tokenFile         where the API token is written (mode 0600), or null for the default per host and port
 * @param scriptLimitBytes  the largest script a request may carry
 * @param allowedHosts      Host header names accepted besides loopback and the bound address ({@code --allow-host})
 * @param maxEventStreams   server-sent event streams open at once; beyond it 503
 * @param keptOutputLines   the lines a submission keeps for a late follower (a ring: the oldest go)
 * @param maxScripts        scripts running or being declared at once; beyond it 503
 */
public record ServerOptions(String host, int port, Path runsDir, int maxConcurrentRuns, Path tokenFile, long scriptLimitBytes,
                            List<String> allowedHosts, int maxEventStreams, int keptOutputLines, int maxScripts) {

    public static final String LOOPBACK = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final long DEFAULT_SCRIPT_LIMIT = 1024 * 1024;
    /** Scripts at once: each holds a thread while its runs wait in the queue. */
    public static final int DEFAULT_MAX_SCRIPTS = 16;
    /** A connection with nothing read or written this long is closed; event streams send a heartbeat under it. */
    public static final int IDLE_TIMEOUT_SECONDS = 60;

    public ServerOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port " + port + " must be between 0 (any free port) and 65535");
        }
        if (maxConcurrentRuns < 1) {
            throw new IllegalArgumentException("--max-concurrent-runs " + maxConcurrentRuns + " must be at least 1");
        }
        if (maxEventStreams < 1 || keptOutputLines < 1 || maxScripts < 1) {
            throw new IllegalArgumentException("the server's caps must be at least 1: event streams " + maxEventStreams
                    + ", kept output lines " + keptOutputLines + ", scripts " + maxScripts);
        }
        allowedHosts = List.copyOf(allowedHosts);
    }

    /** The default caps. */
    public ServerOptions(String host, int port, Path runsDir, int maxConcurrentRuns, Path tokenFile, long scriptLimitBytes,
                         List<String> allowedHosts) {
        this(host, port, runsDir, maxConcurrentRuns, tokenFile, scriptLimitBytes, allowedHosts, EventStreams.DEFAULT_MAX,
                Submission.DEFAULT_KEPT_LINES, DEFAULT_MAX_SCRIPTS);
    }

    /** One run at a time on two cores: ND4J and the fine-tuner use them both. */
    public static int defaultConcurrency() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    public boolean loopback() {
        return host.equals(LOOPBACK) || host.equals("localhost") || host.equals("::1");
    }

    /** The largest request body: a script, JSON-escaped (up to six times its size), in its envelope. */
    public long bodyLimitBytes() {
        return scriptLimitBytes * 6L + 4096;
    }

    /** How a server's connections are held: one idle for {@link #IDLE_TIMEOUT_SECONDS} is closed. */
    static HttpServerOptions http() {
        return new HttpServerOptions().setIdleTimeout(IDLE_TIMEOUT_SECONDS).setIdleTimeoutUnit(TimeUnit.SECONDS);
    }

    public ServerOptions withCaps(int maxEventStreams, int keptOutputLines, int maxScripts) {
        return new ServerOptions(host, port, runsDir, maxConcurrentRuns, tokenFile, scriptLimitBytes, allowedHosts, maxEventStreams,
                keptOutputLines, maxScripts);
    }
}
