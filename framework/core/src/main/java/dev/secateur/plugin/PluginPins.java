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
     * @param file    the plugin file the version was loaded from
     * @param sha256  the digest of its content, which tells two builds with the same version apart
     * @param version the plugin's version: the manifest's Plugin-Version, or groovy-DIGEST for a source
     */
    public record Pinned(String file, String sha256, String version) {

        /** The loaded file version this names, unique among every version of every file. */
        String artifact() {
            return file + "@" + sha256;
        }
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
