package dev.secateur.plugin;

import dev.secateur.errors.ClosestMatch;

import dev.secateur.errors.BadInputException;
import dev.secateur.spi.PruningSchedule;
import dev.secateur.spi.SaliencyMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;
import org.pf4j.PluginWrapper;

/**
 * Loads saliency methods and schedules from plugin jars with PF4J, each jar in its own class loader and
 * the SPI and ND4J supplied by the application. Built-in plugins take exactly this path too.
 *
 * <p>Extensions are looked up per request ({@link #saliency}, {@link #schedule}), never cached, so a
 * reloaded plugin replaces the old one for every later request.
 */
public final class PluginHost implements AutoCloseable {

    /** Plugin ids: lowercase letters and digits in dash-separated words, so they are safe in files, tags and scripts. */
    public static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    private final PluginManager manager;
    private final Map<String, InstalledPlugin> saliencies;
    private final Map<String, InstalledPlugin> schedules;
    private final List<String> failures;

    private PluginHost(PluginManager manager, Map<String, InstalledPlugin> saliencies,
                       Map<String, InstalledPlugin> schedules, List<String> failures) {
        this.manager = manager;
        this.saliencies = saliencies;
        this.schedules = schedules;
        this.failures = failures;
    }

    /** Loads every {@code *.jar} in the given directories. A jar that is not a valid plugin is reported, not fatal. */
    public static PluginHost start(List<Path> directories) {
        var jars = new ArrayList<Path>();
        for (var dir : directories) {
            if (!Files.isDirectory(dir)) {
                throw new BadInputException("plugin directory " + dir + " does not exist; create it, or build the "
                        + "built-in plugins with 'mvn -DskipTests package'");
            }
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().forEach(jars::add);
            } catch (IOException e) {
                throw new BadInputException("cannot list plugin directory " + dir + ": " + e.getMessage());
            }
        }
        var manager = new DefaultPluginManager(directories.stream().map(Path::toAbsolutePath).toList());
        var failures = new ArrayList<String>();
        for (var jar : jars) {
            try {
                manager.loadPlugin(jar.toAbsolutePath());
            } catch (RuntimeException e) {
                failures.add(jar + ": " + e.getMessage());
            }
        }
        manager.startPlugins();
        var saliencies = new TreeMap<String, InstalledPlugin>();
        var schedules = new TreeMap<String, InstalledPlugin>();
        for (PluginWrapper plugin : manager.getStartedPlugins()) {
            index(manager, plugin, SaliencyMethod.class, InstalledPlugin.Kind.SALIENCY,
                    SaliencyMethod::id, SaliencyMethod::description, saliencies, failures);
            index(manager, plugin, PruningSchedule.class, InstalledPlugin.Kind.SCHEDULE,
                    PruningSchedule::id, PruningSchedule::description, schedules, failures);
        }
        for (PluginWrapper plugin : manager.getPlugins()) {
            if (plugin.getFailedException() != null) {
                failures.add(plugin.getPluginPath() + ": " + plugin.getFailedException().getMessage());
            }
        }
        return new PluginHost(manager, saliencies, schedules, List.copyOf(failures));
    }

    private static <T> void index(PluginManager manager, PluginWrapper plugin, Class<T> type, InstalledPlugin.Kind kind,
                                  Function<T, String> id, Function<T, String> description,
                                  Map<String, InstalledPlugin> into, List<String> failures) {
        for (T extension : manager.getExtensions(type, plugin.getPluginId())) {
            String given = id.apply(extension);
            if (given == null || !ID.matcher(given).matches()) {
                failures.add(plugin.getPluginPath() + ": " + kind.label() + " " + extension.getClass().getName() + " has id '" + given
                        + "', which is not a valid plugin id; use lowercase letters, digits and dashes, such as 'my-saliency'");
                continue;
            }
            var entry = new InstalledPlugin(kind, given, plugin.getDescriptor().getVersion(),
                    plugin.getPluginId(), plugin.getPluginPath(), description.apply(extension));
            var clash = into.putIfAbsent(entry.id(), entry);
            if (clash != null) {
                failures.add(kind.label() + " id '" + entry.id() + "' is provided by both " + clash.source() + " and "
                        + entry.source() + "; the first is used, remove the other");
            }
        }
    }

    /** Everything installed, saliency methods first, each sorted by id. */
    public List<InstalledPlugin> installed() {
        return Stream.concat(saliencies.values().stream(), schedules.values().stream())
                .sorted(Comparator.comparing(InstalledPlugin::kind).thenComparing(InstalledPlugin::id)).toList();
    }

    /** Jars that could not be loaded and id clashes, one line each. */
    public List<String> failures() {
        return failures;
    }

    public Resolved<SaliencyMethod> saliency(String id) {
        return resolve(SaliencyMethod.class, SaliencyMethod::id, id, saliencies, InstalledPlugin.Kind.SALIENCY);
    }

    public Resolved<PruningSchedule> schedule(String id) {
        return resolve(PruningSchedule.class, PruningSchedule::id, id, schedules, InstalledPlugin.Kind.SCHEDULE);
    }

    private <T> Resolved<T> resolve(Class<T> type, Function<T, String> idOf, String id,
                                    Map<String, InstalledPlugin> index, InstalledPlugin.Kind kind) {
        var entry = index.get(id);
        if (entry == null) {
            throw unknown(kind, id, index.keySet());
        }
        return manager.getExtensions(type, entry.pluginId()).stream()
                .filter(e -> id.equals(idOf.apply(e)))
                .findFirst()
                .map(e -> new Resolved<>(e, id, entry.version()))
                .orElseThrow(() -> new IllegalStateException(kind.label() + " '" + id + "' vanished from plugin " + entry.pluginId()));
    }

    private static BadInputException unknown(InstalledPlugin.Kind kind, String id, java.util.Set<String> installed) {
        String suggestion = ClosestMatch.of(id, installed).map(c -> " (did you mean '" + c + "'?)").orElse("");
        return new BadInputException("unknown " + kind.label() + " '" + id + "'; installed: "
                + (installed.isEmpty() ? "none" : String.join(", ", installed)) + suggestion
                + ". 'secateur plugins' lists what is installed");
    }

    @Override
    public void close() {
        manager.stopPlugins();
        manager.unloadPlugins();
    }
}
