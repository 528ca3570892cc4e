package dev.secateur.server;

import dev.secateur.bus.PluginEvent;
import dev.secateur.plugin.PluginHost;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Looks at the plugin directories every second, and publishes what changed as plugin events (the page's
 * reload history, the meters, the server's own output).
 */
final class PluginWatcher implements AutoCloseable {

    private static final long PERIOD_MILLIS = 1000;

    private final Vertx vertx;
    private final PluginHost plugins;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final long timer;

    private PluginWatcher(Vertx vertx, PluginHost plugins) {
        this.vertx = vertx;
        this.plugins = plugins;
        this.timer = vertx.setPeriodic(PERIOD_MILLIS, id -> refresh());
    }

    /** Announces what the host starts with, then watches. */
    static PluginWatcher start(Vertx vertx, PluginHost plugins) {
        EventFeed.announcePlugins(vertx, plugins);
        return new PluginWatcher(vertx, plugins);
    }

    /** One look at the plugin directories, unless the last one is still going; changes become events and meters. */
    private void refresh() {
        if (!refreshing.compareAndSet(false, true)) {
            return;
        }
        vertx.executeBlocking(() -> plugins.refresh(true), false).onComplete(done -> {
            refreshing.set(false);
            if (done.succeeded()) {
                for (var change : done.result()) {
                    var event = PluginEvent.of(change);
                    vertx.eventBus().publish(event.address(), event);
                }
            }
        });
    }

    @Override
    public void close() {
        vertx.cancelTimer(timer);
    }
}
