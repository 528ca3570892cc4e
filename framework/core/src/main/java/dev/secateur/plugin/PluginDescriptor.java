package dev.secateur.plugin;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of the plugin listing, taken when the file was loaded: a plugin serving, or a file refused.
 * Listing descriptors runs no plugin code.
 *
 * @param kind        what it extends; null for a refused file
 * @param id          the id scripts use; null for a refused file
 * @param version     the plugin's version; null for a refused file
 * @param sha256      the digest of the file version serving; null for a refused file
 * @param file        the plugin file
 * @param description one line; null for a refused file
 * @param options     the options it takes, name to description
 * @param failure     why the file was refused (with its file, id where known, and the error), or null
 */
public record PluginDescriptor(InstalledPlugin.Kind kind, String id, String version, String sha256, Path file,
                               String description, Map<String, String> options, String failure) {

    public PluginDescriptor {
        // in the plugin's order
        options = options == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    static PluginDescriptor failed(Path file, String failure) {
        return new PluginDescriptor(null, null, null, null, file, null, Map.of(), failure);
    }

    /** Whether the file was refused. */
    public boolean failed() {
        return failure != null;
    }
}
