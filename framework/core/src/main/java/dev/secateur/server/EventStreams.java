package dev.secateur.server;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server-sent event streams of one server, at most {@code max} open at once: each holds a connection and
 * a write queue, so a client opening them in a loop would otherwise hold the server's memory. Beyond the cap
 * a new stream is answered 503 and the rest of the API keeps answering. A comment line every
 * {@link #HEARTBEAT_MILLIS} ms keeps a quiet stream under the connections' idle timeout, which closes the
 * connection of a reader that stopped reading.
 */
final class EventStreams {

    /** Streams open at once, all followers together (the page's /api/events and submissions'). */
    static final int DEFAULT_MAX = 32;
    /** Under {@link ServerOptions#IDLE_TIMEOUT_SECONDS}, so a live stream is never idle that long. */
    static final long HEARTBEAT_MILLIS = 20_000;

    private final Vertx vertx;
    private final int max;
    private final AtomicInteger open = new AtomicInteger();

    EventStreams(Vertx vertx, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("the cap on event streams is " + max + "; it must be at least 1");
        }
        this.vertx = vertx;
        this.max = max;
    }

    int open() {
        return open.get();
    }

    /**
     * A stream on this response, or empty when {@code max} are open already (the 503 is answered). {@code onClose}
     * runs once when the client goes or the stream ends: the response has one close handler, and this is it.
     */
    Optional<Submission.Listener> open(RoutingContext ctx, Runnable onClose) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            ctx.response().putHeader("retry-after", "10");
            HttpJson.error(ctx, 503, "TOO_MANY_STREAMS", "this server has " + max + " event streams open, its limit; close a "
                    + "dashboard tab or a follower (bin/secateur submit), then try again. The rest of the API keeps answering");
            return Optional.empty();
        }
        var response = ctx.response().setChunked(true).putHeader("content-type", "text/event-stream")
                .putHeader("cache-control", "no-cache");
        response.write(": secateur\n\n");
        Context context = vertx.getOrCreateContext();
        long heartbeat = vertx.setPeriodic(HEARTBEAT_MILLIS, id -> {
            if (!response.ended() && !response.closed() && !response.writeQueueFull()) {
                response.write(": alive\n\n");
            }
        });
        var closed = new AtomicInteger();
        Runnable release = () -> {
            if (closed.getAndIncrement() == 0) {
                vertx.cancelTimer(heartbeat);
                open.decrementAndGet();
                onClose.run();
            }
        };
        response.closeHandler(v -> release.run());
        response.endHandler(v -> release.run());
        return Optional.of(new Submission.Listener() {
            @Override
            public void event(String json) {
                context.runOnContext(v -> {
                    // a reader that does not keep up misses progress ticks rather than the server its memory
                    boolean skippable = response.writeQueueFull() && json.contains("\"event\":\"progress\"");
                    if (!response.ended() && !response.closed() && !skippable) {
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
        });
    }
}
