package dev.secateur.plugin;

import dev.secateur.errors.GroovyErrors;
import dev.secateur.errors.PluginFailedException;
import dev.secateur.spi.PruningSchedule;
import dev.secateur.spi.SaliencyMethod;
import groovy.lang.GroovyClassLoader;
import groovy.lang.GroovyCodeSource;
import groovy.transform.ThreadInterrupt;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.codehaus.groovy.control.CompilationFailedException;
import org.codehaus.groovy.control.CompilerConfiguration;
import org.codehaus.groovy.control.customizers.ASTTransformationCustomizer;
import org.codehaus.groovy.control.customizers.ImportCustomizer;
import org.codehaus.groovy.runtime.InvokerHelper;
import org.pf4j.DefaultPluginManager;

/**
 * One version of one plugin file, loaded in a class loader of its own: a PF4J jar, or a Groovy source
 * compiled by a GroovyClassLoader. It serves new instances of its extensions until it is closed, which
 * happens once it is replaced and no run holds it any more.
 */
final class Artifact implements AutoCloseable {

    enum Type {
        JAR, GROOVY
    }

    /** One saliency method or schedule in the file. */
    record Extension(InstalledPlugin.Kind kind, String id, String description, Map<String, String> options, Class<?> type) {
    }

    final Path source;
    final Type type;
    /** SHA-256 of the file's bytes, in hex: two artifacts of one file differ in it. */
    final String sha256;
    final String version;
    /** PF4J's name of the jar; for a Groovy source, its file name. */
    final String pluginId;
    final List<Extension> extensions;
    private final AutoCloseable unload;
    /** Runs that hold this version; read and written under the host's lock. */
    int pins;
    /** Whether new runs get this version; under the host's lock. */
    boolean serving = true;

    private Artifact(Path source, Type type, String sha256, String version, String pluginId, List<Extension> extensions,
                     AutoCloseable unload) {
        this.source = source;
        this.type = type;
        this.sha256 = sha256;
        this.version = version;
        this.pluginId = pluginId;
        this.extensions = List.copyOf(extensions);
        this.unload = unload;
    }

    /** Unique among every version of every file. */
    String key() {
        return source + "@" + sha256;
    }

    /**
     * Loads a jar with PF4J, from a private copy of its own, so the file can be replaced or removed while this
     * version still serves, and no JVM cache of jar files can mix two versions that had the same path.
     */
    static Artifact jar(Path source, Path shadowDir, byte[] bytes, String sha256) {
        var manager = new DefaultPluginManager(shadowDir);
        Path copy = null;
        String pluginId = null;
        try {
            copy = Files.createTempFile(shadowDir, sha256.substring(0, 16) + "-", ".jar");
            Files.write(copy, bytes);
            pluginId = manager.loadPlugin(copy);
            manager.startPlugin(pluginId);
            var wrapper = manager.getPlugin(pluginId);
            if (wrapper.getFailedException() != null) {
                throw new PluginFailedException(source + ": " + wrapper.getFailedException().getMessage(), wrapper.getFailedException());
            }
            var extensions = new ArrayList<Extension>();
            for (var type : manager.getExtensionClasses(SaliencyMethod.class, pluginId)) {
                extensions.add(describe(source, InstalledPlugin.Kind.SALIENCY, type));
            }
            for (var type : manager.getExtensionClasses(PruningSchedule.class, pluginId)) {
                extensions.add(describe(source, InstalledPlugin.Kind.SCHEDULE, type));
            }
            String id = pluginId;
            Path loaded = copy;
            return new Artifact(source, Type.JAR, sha256, wrapper.getDescriptor().getVersion(), pluginId, extensions, () -> {
                manager.stopPlugins();
                manager.unloadPlugin(id);
                Files.deleteIfExists(loaded);
            });
        } catch (Throwable e) {
            // an Error too (a plugin class's static initialiser, a missing class): it refuses this jar alone
            if (pluginId != null) {
                manager.unloadPlugin(pluginId);
            }
            try {
                if (copy != null) {
                    Files.deleteIfExists(copy);
                }
            } catch (IOException ignored) {
                // the shadow directory is removed with the host
            }
            throw e instanceof PluginFailedException failed ? failed
                    : new PluginFailedException(source + ": " + GroovyErrors.firstLine(e.getMessage()), e);
        }
    }

    private static final AtomicBoolean GROOVY_WARM = new AtomicBoolean();

    /**
     * Compiles an empty class once per process, on the calling thread: the first compilation loads Groovy's
     * compiler, which takes seconds on a busy machine, and a plugin's time limit must not be spent on that.
     */
    static void warmUpGroovy() {
        if (GROOVY_WARM.compareAndSet(false, true)) {
            var loader = new GroovyClassLoader(Artifact.class.getClassLoader(), configuration());
            loader.parseClass(new GroovyCodeSource("class SecateurWarmUp {}", "SecateurWarmUp.groovy", "/groovy/plugin"), false);
            close(loader);
        }
    }

    private static CompilerConfiguration configuration() {
        var imports = new ImportCustomizer().addStarImports("dev.secateur.spi")
                .addImports("org.nd4j.linalg.api.ndarray.INDArray", "org.nd4j.linalg.factory.Nd4j",
                        "org.nd4j.linalg.ops.transforms.Transforms");
        var config = new CompilerConfiguration();
        // loops check for interruption, so a criterion that never returns is stopped by the scorer's timeout
        config.addCompilationCustomizers(imports, new ASTTransformationCustomizer(ThreadInterrupt.class));
        return config;
    }

    /**
     * Compiles a Groovy source. The SPI, ND4J's INDArray, Nd4j and Transforms are imported for it. A compile
     * error names the file, the line and the column.
     */
    static Artifact groovy(Path source, byte[] bytes, String sha256) {
        var loader = new GroovyClassLoader(Artifact.class.getClassLoader(), configuration());
        try {
            String text = new String(bytes, StandardCharsets.UTF_8);
            loader.parseClass(new GroovyCodeSource(text, GroovyErrors.sourceName(source), "/groovy/plugin"), false);
            var extensions = new ArrayList<Extension>();
            for (Class<?> type : loader.getLoadedClasses()) {
                if (type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
                    continue;
                }
                if (SaliencyMethod.class.isAssignableFrom(type)) {
                    extensions.add(describe(source, InstalledPlugin.Kind.SALIENCY, type));
                } else if (PruningSchedule.class.isAssignableFrom(type)) {
                    extensions.add(describe(source, InstalledPlugin.Kind.SCHEDULE, type));
                }
            }
            String file = source.getFileName().toString();
            return new Artifact(source, Type.GROOVY, sha256, "groovy-" + sha256.substring(0, 12),
                    file.substring(0, file.length() - ".groovy".length()), extensions, () -> close(loader));
        } catch (CompilationFailedException e) {
            close(loader);
            throw new PluginFailedException(GroovyErrors.describe(source, e, "fix the file; the previous version keeps serving"), e);
        } catch (PluginFailedException e) {
            close(loader);
            throw e;
        } catch (Throwable e) {
            // an Error too (a failed assert, a stack overflow in a constructor): it refuses this file alone
            close(loader);
            throw new PluginFailedException(source + ": " + PluginFailedException.describe(e), e);
        }
    }

    /** Forgets the classes' metaclasses too: Groovy's registry would otherwise keep the loader alive. */
    private static void close(GroovyClassLoader loader) {
        for (Class<?> type : loader.getLoadedClasses()) {
            InvokerHelper.removeClass(type);
        }
        loader.clearCache();
        try {
            loader.close();
        } catch (IOException ignored) {
            // nothing was opened from files
        }
    }

    private static Extension describe(Path source, InstalledPlugin.Kind kind, Class<?> type) {
        Object instance = instantiate(source, type);
        try {
            String id = kind == InstalledPlugin.Kind.SALIENCY ? ((SaliencyMethod) instance).id() : ((PruningSchedule) instance).id();
            String description = kind == InstalledPlugin.Kind.SALIENCY ? ((SaliencyMethod) instance).description()
                    : ((PruningSchedule) instance).description();
            // kept for listings, which must not create plugins to show them
            Map<String, String> options = kind == InstalledPlugin.Kind.SALIENCY ? ((SaliencyMethod) instance).options()
                    : ((PruningSchedule) instance).options();
            return new Extension(kind, id, description, options == null ? Map.of() : new LinkedHashMap<>(options), type);
        } catch (Throwable e) {
            throw new PluginFailedException(source + ": " + type.getName() + " failed to describe itself (id, description, "
                    + "options): " + PluginFailedException.describe(e) + "; fix the plugin", e);
        }
    }

    private static Object instantiate(Path source, Class<?> type) {
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (Throwable e) {
            if (e instanceof InvocationTargetException || e instanceof ExceptionInInitializerError) {
                throw new PluginFailedException(source + ": " + type.getName() + " could not be created: its "
                        + (e instanceof ExceptionInInitializerError ? "static initialiser" : "constructor") + " threw "
                        + PluginFailedException.describe(e instanceof ExceptionInInitializerError && e.getCause() != null ? e.getCause() : e), e);
            }
            throw new PluginFailedException(source + ": " + type.getName() + " cannot be created with a public no-argument "
                    + "constructor (" + PluginFailedException.describe(e) + ")", e);
        }
    }

    /** A new instance of the extension with this id, for one request. */
    <T> T create(Class<T> spiType, String id) {
        for (var extension : extensions) {
            if (extension.id().equals(id) && spiType.isAssignableFrom(extension.type())) {
                return spiType.cast(instantiate(source, extension.type()));
            }
        }
        throw new IllegalStateException(id + " vanished from " + source);
    }

    @Override
    public void close() {
        try {
            unload.close();
        } catch (Exception e) {
            // best effort: the class loader is unreachable once the host drops this artifact
        }
    }

    @Override
    public String toString() {
        return source + " " + version;
    }
}
