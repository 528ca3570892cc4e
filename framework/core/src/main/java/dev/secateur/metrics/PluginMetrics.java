package dev.secateur.metrics;

import dev.secateur.bus.PluginEvent;
import dev.secateur.plugin.PluginChange;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Locale;

/**
 * {@code secateur.plugin.reloads}: plugin files loaded, replaced, removed or refused while the server runs,
 * tagged by kind ({@code jar}, {@code groovy}) and outcome ({@code loaded}, {@code replaced}, {@code removed},
 * {@code failed}), counted from the plugin events the watcher publishes. Every pair is registered at bind,
 * so a dashboard sees a zero before the first reload, and a process that watches nothing shows zeros.
 */
public final class PluginMetrics implements MeterBinder {

    static final List<String> KINDS = List.of("jar", "groovy");

    private MeterRegistry registry;

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
        for (String kind : KINDS) {
            for (var outcome : PluginChange.Kind.values()) {
                counter(kind, outcome);
            }
        }
    }

    public void changed(PluginEvent event) {
        if (event instanceof PluginEvent.Reloaded reloaded) {
            counter(reloaded.kind(), PluginChange.Kind.valueOf(reloaded.change().toUpperCase(Locale.ROOT))).increment();
        } else if (event instanceof PluginEvent.ReloadFailed failed) {
            counter(failed.kind(), PluginChange.Kind.FAILED).increment();
        }
    }

    private Counter counter(String kind, PluginChange.Kind outcome) {
        return Counter.builder(MeterNames.PLUGIN_RELOADS).description("Plugin files loaded, replaced, removed or refused by the watcher")
                .tags(MeterNames.TAG_KIND, kind, MeterNames.TAG_OUTCOME, outcome.name().toLowerCase(Locale.ROOT))
                .register(registry);
    }
}
