package dev.secateur.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;

/** The meter registry and the Vert.x metrics options that feed it. */
public final class Registries {

    private Registries() {
    }

    public static PrometheusMeterRegistry prometheus() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    /** Vert.x event-bus metrics labelled by address (our addresses are a fixed set) and side, pools by type and name. */
    public static MicrometerMetricsOptions vertxMetrics() {
        return new MicrometerMetricsOptions()
                .setEnabled(true)
                .setLabels(EnumSet.of(Label.EB_ADDRESS, Label.EB_SIDE, Label.EB_FAILURE, Label.POOL_TYPE, Label.POOL_NAME));
    }
}
