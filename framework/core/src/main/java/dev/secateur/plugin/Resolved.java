package dev.secateur.plugin;

/**
 * A plugin instance looked up for one request, with the version it came from. Never keep it beyond
 * the request: a later reload may replace the plugin.
 */
public record Resolved<T>(T extension, String id, String version) {
}
