package dev.secateur.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.PluginJars;
import dev.secateur.errors.BadInputException;
import dev.secateur.spi.Options;
import dev.secateur.spi.SaliencyMethod;
import dev.secateur.spi.testing.ArrayParamView;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Plugins reloaded while the host serves: jars replaced, broken and removed, Groovy sources edited and
 * broken; a run's pinned version keeps serving it, and a version nobody holds is unloaded.
 */
class HotReloadTest {

    @TempDir
    Path dir;

    private Path plugins;
    private Path build;
    private PluginHost host;

    private static final ArrayParamView VIEW = ArrayParamView.dense("0_W", Nd4j.createFromArray(new float[][]{{-2, 1}, {0.5f, 3}}), 1);

    @BeforeEach
    void directories() throws IOException {
        plugins = Files.createDirectories(dir.resolve("plugins"));
        build = Files.createDirectories(dir.resolve("build"));
    }

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
    }

    /** A jar whose saliency 'hot' scores with the given expression, at the given version. */
    private Path jar(String version, String score) throws IOException {
        var built = PluginJars.build(Files.createTempDirectory(build, "v"), "hot", version, "test.hot.HotSaliency",
                PluginJars.saliency("test.hot", "HotSaliency", "hot", score));
        return built;
    }

    private void install(Path jar) throws IOException {
        // copy then move, as a deployment would: the file appears whole
        var staged = Files.copy(jar, dir.resolve("staged.tmp"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, plugins.resolve("hot.jar"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private float score(Resolved<SaliencyMethod> method) {
        return method.extension().score(VIEW, Options.NONE).getFloat(0, 0);
    }

    @Test
    void aReplacedJarServesNewRunsWhileAPinnedRunKeepsItsVersionUntilItIsReleased() throws IOException {
        install(jar("1.0", "Transforms.abs(param.weights(), true)"));
        host = PluginHost.start(List.of(plugins));
        var run = host.pin(List.of("hot"), List.of());
        assertThat(run.version(InstalledPlugin.Kind.SALIENCY, "hot")).isEqualTo("1.0");

        install(jar("2.0", "param.weights().mul(-1)"));
        var changes = host.refresh(false);
        assertThat(changes).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo(PluginChange.Kind.REPLACED);
            assertThat(c.ids()).containsExactly("hot");
            assertThat(c.version()).isEqualTo("2.0");
        });
        assertThat(host.saliency("hot").version()).isEqualTo("2.0");
        assertThat(score(host.saliency("hot"))).isEqualTo(2f);   // -(-2)
        assertThat(host.saliency("hot", run).version()).as("the run keeps the version it started with").isEqualTo("1.0");
        assertThat(score(host.saliency("hot", run))).isEqualTo(2f);
        assertThat(host.saliency("hot", run).extension().score(VIEW, Options.NONE).getFloat(1, 1)).isEqualTo(3f);
        assertThat(host.saliency("hot").extension().score(VIEW, Options.NONE).getFloat(1, 1)).isEqualTo(-3f);
        assertThat(host.loadedVersions()).isEqualTo(2);

        host.release(run);
        assertThat(host.loadedVersions()).as("version 1 is unloaded once no run holds it").isEqualTo(1);
    }

    @Test
    void aBrokenJarIsRefusedAndThePreviousVersionKeepsServing() throws IOException {
        install(jar("2.0", "param.weights().mul(-1)"));
        host = PluginHost.start(List.of(plugins));
        Files.write(plugins.resolve("hot.jar"), "PK\u0003\u0004 not a jar".getBytes());
        var changes = host.refresh(false);
        assertThat(changes).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo(PluginChange.Kind.FAILED);
            assertThat(c.file()).isEqualTo(plugins.resolve("hot.jar"));
            assertThat(c.reason()).contains("hot.jar").contains("version 2.0 keeps serving");
        });
        assertThat(host.saliency("hot").version()).isEqualTo("2.0");
        assertThat(host.failures()).singleElement().asString().contains("hot.jar");
        assertThat(host.refresh(false)).as("the same broken file is not read again").isEmpty();
    }

    @Test
    void aJarThatFailsItsSmokeTestIsRefusedNamingWhy() throws IOException {
        install(jar("3.0", "org.nd4j.linalg.factory.Nd4j.ones(3)"));
        host = PluginHost.start(List.of(plugins));
        assertThat(host.installed()).isEmpty();
        assertThat(host.failures()).singleElement().asString().contains("saliency 'hot'").contains("shape [3]")
                .contains("smoke test");
    }

    @Test
    void aRemovedJarsIdsAreGoneForNewLookupsOnly() throws IOException {
        install(jar("1.0", "Transforms.abs(param.weights(), true)"));
        host = PluginHost.start(List.of(plugins));
        var run = host.pin(List.of("hot"), List.of());
        Files.delete(plugins.resolve("hot.jar"));
        assertThat(host.refresh(false)).singleElement().satisfies(c -> assertThat(c.kind()).isEqualTo(PluginChange.Kind.REMOVED));
        assertThatThrownBy(() -> host.saliency("hot")).isInstanceOf(BadInputException.class).hasMessageContaining("unknown saliency 'hot'");
        assertThat(host.saliency("hot", run).version()).isEqualTo("1.0");
        host.release(run);
        assertThat(host.loadedVersions()).isZero();
    }

    @Test
    void aFileStillChangingIsLoadedOnlyOnceItHasSettled() throws IOException {
        host = PluginHost.start(List.of(plugins));
        install(jar("1.0", "Transforms.abs(param.weights(), true)"));
        assertThat(host.refresh(true)).as("first seen: it may still be being written").isEmpty();
        assertThat(host.refresh(true)).singleElement().satisfies(c -> assertThat(c.kind()).isEqualTo(PluginChange.Kind.LOADED));
    }

    @Test
    void aGroovySourceIsCompiledEditedAndBrokenWithoutLosingTheVersionThatWorks() throws IOException {
        var source = plugins.resolve("doubled.groovy");
        Files.writeString(source, """
                class Doubled implements SaliencyMethod {
                    String id() { 'doubled' }
                    String description() { 'twice |w|' }
                    Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                    INDArray score(ParamView param, Options options) { Transforms.abs(param.weights(), true).mul(2) }
                }
                """);
        host = PluginHost.start(List.of(plugins));
        var first = host.saliency("doubled");
        assertThat(first.version()).startsWith("groovy-");
        assertThat(score(first)).isEqualTo(4f);

        Files.writeString(source, Files.readString(source).replace(".mul(2)", ".mul(3)"));
        Files.setLastModifiedTime(source, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        assertThat(host.refresh(false)).singleElement().satisfies(c -> assertThat(c.kind()).isEqualTo(PluginChange.Kind.REPLACED));
        assertThat(score(host.saliency("doubled"))).isEqualTo(6f);
        assertThat(host.saliency("doubled").version()).isNotEqualTo(first.version());

        Files.writeString(source, "class Doubled implements SaliencyMethod {\n    String id() { 'doubled' \n}\n");
        Files.setLastModifiedTime(source, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
        assertThat(host.refresh(false)).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo(PluginChange.Kind.FAILED);
            assertThat(c.reason()).contains("doubled.groovy:").containsPattern("doubled\\.groovy:\\d+:\\d+: ");
        });
        assertThat(score(host.saliency("doubled"))).as("the edited version keeps serving").isEqualTo(6f);
    }

    @Test
    void aJarReplacedByRenameIsSeenEvenWithTheSameSizeAndModificationTime() throws IOException {
        var sameTime = FileTime.fromMillis(1_700_000_000_000L);
        install(jar("1.1", "Transforms.abs(param.weights(), true)"));
        Files.setLastModifiedTime(plugins.resolve("hot.jar"), sameTime);
        host = PluginHost.start(List.of(plugins));
        install(jar("1.2", "Transforms.abs(param.weights(), true)"));
        Files.setLastModifiedTime(plugins.resolve("hot.jar"), sameTime);
        assertThat(host.refresh(false)).singleElement().satisfies(c -> assertThat(c.version()).isEqualTo("1.2"));
        assertThat(host.saliency("hot").version()).isEqualTo("1.2");
    }

    @Test
    void aVersionNoRunHoldsIsCollectedWithItsClassLoader() throws IOException {
        Files.writeString(plugins.resolve("doubled.groovy"), """
                class Doubled implements SaliencyMethod {
                    String id() { 'doubled' }
                    String description() { 'twice |w|' }
                    Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                    INDArray score(ParamView param, Options options) { Transforms.abs(param.weights(), true).mul(2) }
                }
                """);
        install(jar("1.0", "Transforms.abs(param.weights(), true)"));
        host = PluginHost.start(List.of(plugins));
        var run = host.pin(List.of("hot", "doubled"), List.of());
        var jarLoader = new WeakReference<>(host.saliency("hot", run).extension().getClass().getClassLoader());
        var groovyLoader = new WeakReference<>(host.saliency("doubled", run).extension().getClass().getClassLoader());
        score(host.saliency("hot", run));
        score(host.saliency("doubled", run));

        install(jar("2.0", "param.weights().mul(-1)"));
        Files.writeString(plugins.resolve("doubled.groovy"), Files.readString(plugins.resolve("doubled.groovy")).replace("mul(2)", "mul(3)"));
        assertThat(host.refresh(false)).hasSize(2);
        System.gc();
        assertThat(jarLoader.get()).as("a pinned version stays loaded").isNotNull();
        host.release(run);

        // nothing but the host could keep them: not Groovy's metaclass registry, not PF4J, not a JVM jar cache
        Awaitility.await("the replaced versions' class loaders are collected").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    System.gc();
                    return jarLoader.get() == null && groovyLoader.get() == null;
                });
    }

    @Test
    void aFileTurnedBackToAVersionARunHoldsServesThatVersionAndNothingStaysLoaded() throws IOException {
        var v1 = jar("1.0", "Transforms.abs(param.weights(), true)");
        install(v1);
        host = PluginHost.start(List.of(plugins));
        var run = host.pin(List.of("hot"), List.of());
        install(jar("2.0", "param.weights().mul(-1)"));
        host.refresh(false);
        install(v1); // undone: the same bytes as the version the run holds
        assertThat(host.refresh(false)).singleElement().satisfies(c -> assertThat(c.version()).isEqualTo("1.0"));
        assertThat(host.saliency("hot").version()).isEqualTo("1.0");
        assertThat(host.loadedVersions()).as("one copy of 1.0, serving and held; 2.0 unloaded").isEqualTo(1);
        host.release(run);
        assertThat(host.loadedVersions()).isEqualTo(1);
        assertThat(score(host.saliency("hot"))).isEqualTo(2f);
    }

    @Test
    void aSecondFileWithAnIdThatIsServedIsRefusedUntilTheFirstGoes() throws IOException {
        install(jar("1.0", "Transforms.abs(param.weights(), true)"));
        host = PluginHost.start(List.of(plugins));
        var stray = plugins.resolve("a-stray-copy.jar");
        Files.copy(jar("2.0", "param.weights().mul(-1)"), stray);
        assertThat(host.refresh(false)).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo(PluginChange.Kind.FAILED);
            assertThat(c.reason()).contains("a-stray-copy.jar").contains("'hot' is served by").contains("hot.jar");
        });
        assertThat(host.saliency("hot").version()).as("the id stays where it was").isEqualTo("1.0");

        Files.delete(plugins.resolve("hot.jar"));
        var changes = host.refresh(false);
        assertThat(changes).extracting(PluginChange::kind).containsExactly(PluginChange.Kind.REMOVED, PluginChange.Kind.LOADED);
        assertThat(host.saliency("hot").version()).isEqualTo("2.0");
        assertThat(host.failures()).isEmpty();
    }
}
