package dev.secateur.cli;

import dev.secateur.plugin.PluginHost;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by commands that load plugins. */
final class PluginOptions {

    @Option(names = "--plugins-dir", paramLabel = "DIR",
            description = "Also load plugin jars and Groovy source plugins (*.groovy) from DIR (repeatable). The built-in plugins are always loaded.")
    List<Path> extraDirs = new ArrayList<>();

    @Option(names = "--builtin-plugins", paramLabel = "DIR", hidden = true,
            description = "Where the built-in plugin jars are (default: ${secateur.home}/plugins).")
    Path builtin;

    @Option(names = "--plugin-timeout", paramLabel = "SECONDS",
            description = "How long one plugin file may take to load and pass its smoke test before it is refused (default: 10).")
    long timeoutSeconds = PluginHost.DEFAULT_SMOKE_LIMIT.toSeconds();

    List<Path> directories() {
        var dirs = new ArrayList<Path>();
        dirs.add(builtin != null ? builtin : Home.builtinPlugins());
        dirs.addAll(extraDirs);
        return dirs;
    }

    PluginHost start() {
        return PluginHost.start(directories(), Duration.ofSeconds(timeoutSeconds));
    }
}
