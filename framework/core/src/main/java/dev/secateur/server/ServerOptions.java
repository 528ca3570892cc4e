package dev.secateur.server;

import java.nio.file.Path;

/**
 * How {@code bin/secateur serve} listens and runs.
 *
 * @param host              the interface to bind; anything but loopback lets other machines submit code
 * @param port              the port, 0 for any free one
 * @param runsDir           where run directories go
 * @param maxConcurrentRuns how many experiments run at once; the others wait in the queue
 * @param tokenFile         where the API token is written (mode 0600), or null for the default per host and port
 * @param scriptLimitBytes  the largest script a request may carry
 */
public record ServerOptions(String host, int port, Path runsDir, int maxConcurrentRuns, Path tokenFile, long scriptLimitBytes) {

    public static final String LOOPBACK = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final long DEFAULT_SCRIPT_LIMIT = 1024 * 1024;

    public ServerOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port " + port + " must be between 0 (any free port) and 65535");
        }
        if (maxConcurrentRuns < 1) {
            throw new IllegalArgumentException("--max-concurrent-runs " + maxConcurrentRuns + " must be at least 1");
        }
    }

    /** One run at a time on two cores: ND4J and the fine-tuner use them both. */
    public static int defaultConcurrency() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    public boolean loopback() {
        return host.equals(LOOPBACK) || host.equals("localhost") || host.equals("::1");
    }
}
