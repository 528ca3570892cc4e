package dev.secateur.plugin;

import java.util.Map;

/**
 * The plugin versions one run holds, so that every step of the run uses the versions it started with even
 * if a plugin is reloaded meanwhile. A value: requests carry it, and each stage resolves it in its host.
 *
 * @param pinned by {@code kind:id} (such as {@code saliency:magnitude}), the version held
 */
public record PluginPins(Map<String, Pinned> pinned) {

    /**
     * @param artifact the loaded file version: its path and content digest
     * @param version  the plugin's version, as spec.json records it
     */
    public record Pinned(String artifact, String version) {
    }

    public PluginPins {
        pinned = Map.copyOf(pinned);
    }

    static String key(InstalledPlugin.Kind kind, String id) {
        return kind.label() + ":" + id;
    }

    /** The version a run holds of a plugin, or null if it holds none. */
    public String version(InstalledPlugin.Kind kind, String id) {
        var found = pinned.get(key(kind, id));
        return found == null ? null : found.version();
    }
}
