package dev.secateur;

import dev.secateur.data.DataSplits;
import dev.secateur.data.DatasetLoader;
import dev.secateur.plugin.PluginHost;
import dev.secateur.spec.DataSpec;
import java.nio.file.Path;
import java.util.List;

/** Shared test inputs: small seeded subsets of the embedded Fashion-MNIST, loaded once per JVM. */
public final class Fixtures {

    private static DataSplits small;

    private Fixtures() {
    }

    /** 2,000 training and 500 test images of the embedded subset. */
    public static synchronized DataSplits smallData() {
        if (small == null) {
            small = new DatasetLoader(Path.of("/nonexistent")).load(
                    new DataSpec(new DataSpec.Embedded(), 2000, 500), 1L);
        }
        return small;
    }

    /** The built-in plugin jars, copied by Maven to target/plugins. */
    private static PluginHost plugins;

    /**
     * The built-in plugin jars, loaded once for the tests that only score with them; it lives as long as
     * the test JVM. Tests that start, stop or reload plugins start their own host.
     */
    public static synchronized PluginHost plugins() {
        if (plugins == null) {
            plugins = PluginHost.start(List.of(pluginsDir()));
        }
        return plugins;
    }

    public static Path pluginsDir() {
        return Path.of(System.getProperty("secateur.test.plugins", "target/plugins"));
    }
}
