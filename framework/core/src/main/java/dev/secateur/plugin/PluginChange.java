package dev.secateur.plugin;

import java.nio.file.Path;
import java.util.List;

/**
 * What one look at the plugin directories changed for one file.
 *
 * @param ids     the ids the file serves now (loaded, replaced) or served before (removed); empty when it failed
 * @param version the version now serving, or the one removed; null when it failed
 * @param reason  why the file was refused, or null
 */
public record PluginChange(Kind kind, Path file, String type, List<String> ids, String version, String reason) {

    public enum Kind {
        /** A new file, loaded and validated. */
        LOADED,
        /** A changed file, whose new version now serves new runs. */
        REPLACED,
        /** A file that is gone; its ids are gone for new runs. */
        REMOVED,
        /** A file that could not be loaded or failed its smoke test; any earlier version keeps serving. */
        FAILED
    }

    public PluginChange {
        ids = List.copyOf(ids);
    }
}
