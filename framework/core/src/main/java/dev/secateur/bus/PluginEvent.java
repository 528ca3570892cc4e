package dev.secateur.bus;

import dev.secateur.plugin.PluginChange;
import java.util.List;
import java.util.Locale;

/** What the plugin directories' watcher published: a file loaded, replaced or removed, or refused. */
public sealed interface PluginEvent permits PluginEvent.Reloaded, PluginEvent.ReloadFailed {

    /** The event's name, as the event stream shows it. */
    String type();

    /** Where it is published. */
    String address();

    /**
     * @param change  {@code loaded}, {@code replaced} or {@code removed}
     * @param ids     the ids the file serves (or served, when removed)
     * @param version the version serving now (or the one removed)
     */
    record Reloaded(String change, String file, String kind, List<String> ids, String version) implements PluginEvent {
        public Reloaded {
            ids = List.copyOf(ids);
        }

        @Override
        public String type() {
            return "plugin-reloaded";
        }

        @Override
        public String address() {
            return Addresses.PLUGIN_RELOADED;
        }
    }

    /** A file that could not be loaded or failed its smoke test; any earlier version keeps serving. */
    record ReloadFailed(String file, String kind, String reason) implements PluginEvent {
        @Override
        public String type() {
            return "plugin-reload-failed";
        }

        @Override
        public String address() {
            return Addresses.PLUGIN_RELOAD_FAILED;
        }
    }

    /** The event for one change the watcher found. */
    public static PluginEvent of(PluginChange change) {
        if (change.kind() == PluginChange.Kind.FAILED) {
            return new ReloadFailed(change.file().toString(), change.type(), change.reason());
        }
        return new Reloaded(change.kind().name().toLowerCase(Locale.ROOT), change.file().toString(), change.type(), change.ids(),
                change.version());
    }
}
