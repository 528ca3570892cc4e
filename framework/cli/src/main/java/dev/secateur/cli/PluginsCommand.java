package dev.secateur.cli;

import dev.secateur.plugin.InstalledPlugin;
import dev.secateur.plugin.PluginDescriptor;
import dev.secateur.result.ResultsTable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code secateur plugins}: what is installed, with ids, versions and sources. */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = "List the installed saliency methods and schedules, with their versions and jars.")
final class PluginsCommand implements Callable<Integer> {

    @Mixin
    PluginOptions plugins;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        try (var host = plugins.start()) {
            var rows = new ArrayList<List<String>>();
            rows.add(List.of("kind", "id", "version", "jar", "description"));
            for (InstalledPlugin p : host.installed()) {
                rows.add(List.of(p.kind().label(), p.id(), p.version(), String.valueOf(p.source().getFileName()), p.description()));
            }
            out.print(ResultsTable.render(rows, true));
            for (String failure : host.failures()) {
                out.println("not loaded: " + failure);
            }
            // the options as recorded when each plugin loaded: listing creates no plugin
            for (PluginDescriptor p : host.descriptors()) {
                if (!p.failed()) {
                    p.options().forEach((name, text) -> out.println("  " + p.id() + " option " + name + ": " + text));
                }
            }
            out.flush();
        }
        return Main.OK;
    }
}
