package dev.secateur;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.ToolProvider;

/**
 * Builds a real PF4J plugin jar in a test: one Java source compiled against the SPI on the test classpath,
 * a manifest with the plugin id and version, and the extension index PF4J reads.
 */
public final class PluginJars {

    private PluginJars() {
    }

    /**
     * @param className the extension's fully qualified class name
     * @param source    its Java source
     */
    public static Path build(Path dir, String pluginId, String version, String className, String source) throws IOException {
        var sources = Files.createTempDirectory(dir, "src");
        var classes = Files.createTempDirectory(dir, "classes");
        var file = sources.resolve(className.replace('.', '/') + ".java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
        var compiler = ToolProvider.getSystemJavaCompiler();
        int status = compiler.run(null, null, null, "-proc:none", "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path"), file.toString());
        if (status != 0) {
            throw new IllegalStateException("the test plugin " + className + " did not compile");
        }
        var manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Plugin-Id", pluginId);
        manifest.getMainAttributes().putValue("Plugin-Version", version);
        manifest.getMainAttributes().putValue("Plugin-Description", "a test plugin");
        var jar = dir.resolve(pluginId.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + version + ".jar");
        try (var out = new JarOutputStream(Files.newOutputStream(jar), manifest);
             var walk = Files.walk(classes)) {
            for (Path c : walk.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(c).toString().replace('\\', '/')));
                out.write(Files.readAllBytes(c));
                out.closeEntry();
            }
            out.putNextEntry(new JarEntry("META-INF/extensions.idx"));
            out.write(String.join("\n", List.of(className, "")).getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }

    /** The source of a weights-only saliency method with the given id: it scores |w|. */
    public static String saliency(String packageName, String simpleName, String id) {
        return saliency(packageName, simpleName, id, "Transforms.abs(param.weights(), true)");
    }

    /** The same, scoring with a Java expression over {@code param}. */
    public static String saliency(String packageName, String simpleName, String id, String score) {
        return """
                package %s;

                import dev.secateur.spi.ParamView;
                import dev.secateur.spi.Requirement;
                import dev.secateur.spi.SaliencyMethod;
                import dev.secateur.spi.Options;
                import java.util.Set;
                import org.nd4j.linalg.api.ndarray.INDArray;
                import org.nd4j.linalg.ops.transforms.Transforms;
                import org.pf4j.Extension;

                @Extension
                public class %s implements SaliencyMethod {
                    public String id() { return "%s"; }
                    public String description() { return "a test saliency"; }
                    public Set<Requirement> requirements() { return Set.of(Requirement.WEIGHTS); }
                    public INDArray score(ParamView param, Options options) { return %s; }
                }
                """.formatted(packageName, simpleName, id, score);
    }
}
