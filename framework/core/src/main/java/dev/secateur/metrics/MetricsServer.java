package dev.secateur.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Serves Prometheus text at {@code http://127.0.0.1:<port>/metrics} while a run lasts, to a scraper that sends the
 * run's token as {@code Authorization: Bearer}: meters name experiments and runs, which are the user's.
 */
public final class MetricsServer {

    public static final String PATH = "/metrics";
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private MetricsServer() {
    }

    /**
     * Binds loopback only; port 0 picks a free port, which {@link HttpServer#actualPort()} tells.
     *
     * @param authorized whether a request's {@code Authorization} header carries the token
     * @param tokenHint  where the token is, for the answer to a request without it
     */
    public static Future<HttpServer> start(Vertx vertx, PrometheusMeterRegistry registry, int port, Predicate<String> authorized,
                                           Supplier<String> tokenHint) {
        return vertx.createHttpServer()
                .requestHandler(request -> {
                    if (!authorized.test(request.getHeader("Authorization"))) {
                        request.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer")
                                .end("send Authorization: Bearer TOKEN, with the token in " + tokenHint.get()
                                        + " (Prometheus: authorization.credentials_file)\n");
                    } else if (PATH.equals(request.path())) {
                        scrape(vertx, registry, request);
                    } else {
                        request.response().setStatusCode(404).end("Secateur serves " + PATH + "\n");
                    }
                })
                .listen(port, "127.0.0.1");
    }

    /** Answers a request with the registry's Prometheus text. */
    public static void scrape(Vertx vertx, PrometheusMeterRegistry registry, HttpServerRequest request) {
        // scrape() walks every meter; keep it off the event loop
        vertx.executeBlocking(registry::scrape, false).onComplete(text -> {
            if (text.succeeded()) {
                request.response().putHeader("content-type", CONTENT_TYPE).end(text.result());
            } else {
                request.response().setStatusCode(500).end(String.valueOf(text.cause()));
            }
        });
    }
}
