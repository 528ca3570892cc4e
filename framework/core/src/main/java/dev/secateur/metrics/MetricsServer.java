package dev.secateur.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

/** Serves Prometheus text at {@code http://127.0.0.1:<port>/metrics} while a run lasts. */
public final class MetricsServer {

    public static final String PATH = "/metrics";
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private MetricsServer() {
    }

    /** Binds loopback only; port 0 picks a free port, which {@link HttpServer#actualPort()} tells. */
    public static Future<HttpServer> start(Vertx vertx, PrometheusMeterRegistry registry, int port) {
        return vertx.createHttpServer()
                .requestHandler(request -> {
                    if (PATH.equals(request.path())) {
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
