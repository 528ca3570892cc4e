package dev.secateur.plugin;

import java.nio.file.Path;

/**
 * One extension found in a plugin jar.
 *
 * @param kind        what it extends
 * @param id          the id scripts use
 * @param version     the plugin's version
 * @param pluginId    the PF4J plugin that holds it
 * @param source      the jar it came from
 * @param description one line
 */
public record InstalledPlugin(Kind kind, String id, String version, String pluginId, Path source, String description) {

    public enum Kind {
        SALIENCY("saliency"), SCHEDULE("schedule");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
