package dev.secateur.plugin;

import dev.secateur.errors.GroovyErrors;
import dev.secateur.errors.PluginFailedException;
import dev.secateur.spi.PruningSchedule;
import dev.secateur.spi.SaliencyMethod;
import groovy.lang.GroovyClassLoader;
import groovy.lang.GroovyCodeSource;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.codehaus.groovy.control.CompilationFailedException;
import org.codehaus.groovy.control.CompilerConfiguration;
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
    record Extension(InstalledPlugin.Kind kind, String id, String description, Class<?> type) {
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
        } catch (RuntimeException | IOException e) {
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

    /**
     * Compiles a Groovy source. The SPI, ND4J's INDArray, Nd4j and Transforms are imported for it. A compile
     * error names the file, the line and the column.
     */
    static Artifact groovy(Path source, byte[] bytes, String sha256) {
        var imports = new ImportCustomizer().addStarImports("dev.secateur.spi")
                .addImports("org.nd4j.linalg.api.ndarray.INDArray", "org.nd4j.linalg.factory.Nd4j",
                        "org.nd4j.linalg.ops.transforms.Transforms");
        var config = new CompilerConfiguration();
        // loops check for interruption, so a criterion that never returns is stopped by the scorer's timeout
        config.addCompilationCustomizers(imports,
                new org.codehaus.groovy.control.customizers.ASTTransformationCustomizer(groovy.transform.ThreadInterrupt.class));
        var loader = new GroovyClassLoader(Artifact.class.getClassLoader(), config);
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
        } catch (RuntimeException | LinkageError e) {
            close(loader);
            throw new PluginFailedException(source + ": " + e, e);
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
        String id = kind == InstalledPlugin.Kind.SALIENCY ? ((SaliencyMethod) instance).id() : ((PruningSchedule) instance).id();
        String description = kind == InstalledPlugin.Kind.SALIENCY ? ((SaliencyMethod) instance).description()
                : ((PruningSchedule) instance).description();
        return new Extension(kind, id, description, type);
    }

    private static Object instantiate(Path source, Class<?> type) {
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e;
            throw new PluginFailedException(source + ": " + type.getName() + " cannot be created with a public no-argument "
                    + "constructor (" + cause + ")", e);
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
