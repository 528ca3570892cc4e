package dev.secateur.runtime;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.ExperimentClient;
import dev.secateur.bus.Messages;
import dev.secateur.bus.PluginEvent;
import dev.secateur.bus.RunEvent;
import dev.secateur.cluster.ClusterJobs;
import dev.secateur.cluster.JobDispatch;
import dev.secateur.config.SecateurConfig;
import dev.secateur.data.DatasetLoader;
import dev.secateur.metrics.PluginMetrics;
import dev.secateur.metrics.Registries;
import dev.secateur.metrics.RunMetrics;
import dev.secateur.plugin.PluginHost;
import dev.secateur.run.ExperimentVerticle;
import dev.secateur.stage.StageDeployment;
import dev.secateur.store.Stores;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Secateur running in one JVM: Vert.x with metrics, the five stage verticles and the recorder as workers, the coordinator,
 * the stores they share and the plugin host. Submit experiments with {@link #experiments()}.
 */
public final class Secateur implements AutoCloseable {

    private final Vertx vertx;
    private final PluginHost plugins;
    private final PrometheusMeterRegistry registry;
    private final SecateurConfig config;
    private final Stores stores;

    private final ClusterJobs cluster;

    private Secateur(Vertx vertx, PluginHost plugins, PrometheusMeterRegistry registry, SecateurConfig config, Stores stores,
                     ClusterJobs cluster) {
        this.cluster = cluster;
        this.vertx = vertx;
        this.plugins = plugins;
        this.registry = registry;
        this.config = config;
        this.stores = stores;
    }

    /** Starts everything and waits until every verticle is deployed. */
    public static Secateur start(SecateurConfig config, PluginHost plugins, DatasetLoader datasets) {
        return start(config, plugins, datasets, null);
    }

    /**
     * The same as a coordinator in cluster mode: the independent jobs (sensitivity probes) go to the cluster's
     * workers through {@code cluster}; everything else stays on this JVM's own, local event bus.
     */
    public static Secateur start(SecateurConfig config, PluginHost plugins, DatasetLoader datasets, ClusterJobs cluster) {
        var registry = Registries.prometheus();
        var vertx = Vertx.builder()
                .with(new VertxOptions()
                        .setMetricsOptions(Registries.vertxMetrics())
                        // training a stage for minutes is normal here; the stages have pools of their own
                        .setMaxWorkerExecuteTime(StageDeployment.blockedAfter(config, SecateurConfig.FINETUNER).toSeconds())
                        .setMaxWorkerExecuteTimeUnit(TimeUnit.SECONDS))
                .withMetrics(new MicrometerMetricsFactory(registry))
                .build();
        Messages.registerCodecs(vertx.eventBus());
        var stores = Stores.create();
        var runMetrics = new RunMetrics();
        runMetrics.bindTo(registry);
        vertx.eventBus().<RunEvent.StepCompleted>consumer(Addresses.RUN_STEP_COMPLETED,
                message -> runMetrics.onStepCompleted(message.body()));
        var pluginMetrics = new PluginMetrics();
        pluginMetrics.bindTo(registry);
        for (String address : List.of(Addresses.PLUGIN_RELOADED, Addresses.PLUGIN_RELOAD_FAILED)) {
            vertx.eventBus().<PluginEvent>consumer(address, message -> pluginMetrics.changed(message.body()));
        }
        var deployed = Future.all(
                StageDeployment.deploy(vertx, stores, plugins, datasets, registry, config,
                        cluster == null ? JobDispatch.local() : JobDispatch.on(cluster)),
                vertx.deployVerticle(new ExperimentVerticle(stores, plugins, config, Clock.systemUTC())));
        try {
            deployed.toCompletionStage().toCompletableFuture().get();
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("Secateur could not start: " + e.getMessage(), e);
        }
        return new Secateur(vertx, plugins, registry, config, stores, cluster);
    }

    public Vertx vertx() {
        return vertx;
    }

    /** The cluster's jobs in cluster mode; empty on one JVM. */
    public Optional<ClusterJobs> cluster() {
        return Optional.ofNullable(cluster);
    }

    public PluginHost plugins() {
        return plugins;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public SecateurConfig config() {
        return config;
    }

    /** The stores the stages share; for tests that look at what is held. */
    public Stores stores() {
        return stores;
    }

    public ExperimentClient experiments() {
        return new ExperimentClient(vertx, config.timeout(SecateurConfig.EXPERIMENT), config.timeout(SecateurConfig.LOADER));
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing is best effort; the JVM is usually about to exit
        } finally {
            plugins.close();
        }
    }
}
