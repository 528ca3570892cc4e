package dev.secateur.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.PluginJars;
import dev.secateur.spi.Options;
import dev.secateur.spi.SaliencyMethod;
import dev.secateur.spi.testing.ArrayParamView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A plugin fails alone: whatever it throws (an Error too), however it tries to end the process, and however
 * long it hangs, that file is refused with its name and why, the others load, and this JVM lives on. Without
 * the exit guard the test JVM would end and the run would report a crashed fork.
 */
public class PluginIsolationTest {

    /** Plugins that misbehave in different ways, by file name; each is refused with the text given. */
    static final Map<String, String> BAD = Map.of(
            "asserting.groovy", """
                    class Asserting implements SaliencyMethod {
                        String id() { 'asserting' }
                        String description() { 'fails an assert in score' }
                        Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                        INDArray score(ParamView param, Options options) { assert param.weights() == null; null }
                    }
                    """,
            "recursing.groovy", """
                    class Recursing implements SaliencyMethod {
                        String id() { 'recursing' }
                        String description() { 'recurses forever in score' }
                        Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                        int deeper(int n) { deeper(n + 1) + 1 }
                        INDArray score(ParamView param, Options options) { deeper(0); null }
                    }
                    """,
            "exit-in-constructor.groovy", """
                    class ExitInConstructor implements SaliencyMethod {
                        ExitInConstructor() { Runtime.runtime.exit(0) }
                        String id() { 'exit-in-constructor' }
                        String description() { 'ends the JVM when made' }
                        Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                        INDArray score(ParamView param, Options options) { Transforms.abs(param.weights(), true) }
                    }
                    """,
            "exit-in-score.groovy", """
                    class ExitInScore implements SaliencyMethod {
                        String id() { 'exit-in-score' }
                        String description() { 'ends the JVM when it scores' }
                        Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                        INDArray score(ParamView param, Options options) { System.exit(0); null }
                    }
                    """,
            "exit-by-reflection.groovy", """
                    class ExitByReflection implements SaliencyMethod {
                        String id() { 'exit-by-reflection' }
                        String description() { 'ends the JVM through a method name built at run time' }
                        Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                        INDArray score(ParamView param, Options options) {
                            String name = ['ha', 'lt'].join('')
                            Runtime.getMethod(name, int).invoke(Runtime.runtime, 3)
                            Runtime.runtime.invokeMethod('ex' + 'it', 4)
                            null
                        }
                    }
                    """,
            "exit-from-a-thread.groovy", """
                    class ExitFromAThread implements SaliencyMethod {
                        ExitFromAThread() {
                            // no plugin frame is on this thread's stack when it halts: only its origin tells
                            def thread = new Thread(Runtime.runtime.&halt.curry(5))
                            Throwable failure = null
                            thread.uncaughtExceptionHandler = { t, e -> failure = e } as Thread.UncaughtExceptionHandler
                            thread.start()
                            thread.join()
                            if (failure != null) throw failure
                        }
                        String id() { 'exit-from-a-thread' }
                        String description() { 'ends the JVM from a thread it starts' }
                        Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                        INDArray score(ParamView param, Options options) { Transforms.abs(param.weights(), true) }
                    }
                    """,
            "hanging.groovy", """
                    class Hanging implements SaliencyMethod {
                        String id() { 'hanging' }
                        String description() { 'never returns, and swallows its interrupts' }
                        Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                        INDArray score(ParamView param, Options options) {
                            while (true) {
                                try { Thread.sleep(50) } catch (InterruptedException ignored) { }
                            }
                        }
                    }
                    """,
            "static-init.groovy", """
                    class StaticInit implements SaliencyMethod {
                        static final int BROKEN = Integer.parseInt('not a number')
                        String id() { 'static-init' }
                        String description() { 'its class cannot be initialised' }
                        Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                        INDArray score(ParamView param, Options options) { Transforms.abs(param.weights(), true) }
                    }
                    """,
            "out-of-memory.groovy", """
                    class OutOfMemory implements SaliencyMethod {
                        String id() { 'out-of-memory' }
                        String description() { 'asks for an array the JVM cannot give' }
                        Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                        INDArray score(ParamView param, Options options) { new long[Integer.MAX_VALUE - 1]; null }
                    }
                    """);

    public static final String GOOD = """
            class Good implements SaliencyMethod {
                String id() { 'good' }
                String description() { '|w|' }
                Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                INDArray score(ParamView param, Options options) { Transforms.abs(param.weights(), true) }
            }
            """;

    private static final Duration LIMIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private Path plugins;
    private PluginHost host;

    @BeforeAll
    static void guard() {
        assertThat(ExitGuard.install().active()).as("the exit guard is installed on the JDK the tests run on").isTrue();
    }

    @BeforeEach
    void directory() throws IOException {
        plugins = Files.createDirectories(dir.resolve("plugins"));
    }

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
    }

    private static float score(Resolved<SaliencyMethod> method) {
        var view = ArrayParamView.dense("0_W", Nd4j.createFromArray(new float[][]{{-2, 1}, {0.5f, 3}}), 1);
        return method.extension().score(view, Options.NONE).getFloat(0, 0);
    }

    @Test
    void everyMisbehavingPluginIsRefusedWithItsFileAndWhyWhileTheGoodOneServesAndTheJvmLivesOn() throws IOException {
        for (var bad : BAD.entrySet()) {
            Files.writeString(plugins.resolve(bad.getKey()), bad.getValue());
        }
        Files.writeString(plugins.resolve("good.groovy"), GOOD);

        host = PluginHost.start(List.of(plugins), LIMIT);

        assertThat(host.installed()).extracting(InstalledPlugin::id).containsExactly("good");
        assertThat(score(host.saliency("good"))).isEqualTo(2f);
        var failures = host.failures();
        assertThat(failures).hasSize(BAD.size());
        assertThat(line(failures, "asserting.groovy")).contains("saliency 'asserting'").contains("AssertionError");
        assertThat(line(failures, "recursing.groovy")).contains("saliency 'recursing'").contains("StackOverflowError");
        assertThat(line(failures, "exit-in-constructor.groovy")).contains("ExitInConstructor").contains("tried to end the process")
                .contains("may not call System.exit");
        assertThat(line(failures, "exit-in-score.groovy")).contains("saliency 'exit-in-score'").contains("may not call System.exit");
        assertThat(line(failures, "exit-by-reflection.groovy")).contains("saliency 'exit-by-reflection'").contains("tried to end the process");
        assertThat(line(failures, "exit-from-a-thread.groovy")).contains("ExitFromAThread")
                .contains("a thread started by plugin or script code");
        assertThat(line(failures, "hanging.groovy")).contains("saliency 'hanging'").contains("did not finish within 5 s")
                .contains("ignored its interrupt");
        assertThat(line(failures, "static-init.groovy")).contains("StaticInit").contains("static initialiser")
                .contains("NumberFormatException");
        assertThat(line(failures, "out-of-memory.groovy")).contains("saliency 'out-of-memory'").contains("OutOfMemoryError");

        // the listing says the same without creating any plugin
        var descriptors = host.descriptors();
        assertThat(descriptors).filteredOn(d -> !d.failed()).singleElement()
                .satisfies(d -> assertThat(d.id()).isEqualTo("good"));
        assertThat(descriptors).filteredOn(PluginDescriptor::failed).extracting(d -> d.file().getFileName().toString())
                .containsExactlyInAnyOrderElementsOf(BAD.keySet());
        assertThat(host.descriptors()).as("cached until something changes").isSameAs(descriptors);
    }

    @Test
    void aMisbehavingPluginDroppedInWhileTheHostServesFailsAloneAndIsListed() throws IOException {
        Files.writeString(plugins.resolve("good.groovy"), GOOD);
        host = PluginHost.start(List.of(plugins), LIMIT);
        var before = host.descriptors();

        for (var name : List.of("asserting.groovy", "recursing.groovy", "exit-in-constructor.groovy", "hanging.groovy")) {
            Files.writeString(plugins.resolve(name), BAD.get(name));
        }
        var changes = host.refresh(false);

        assertThat(changes).hasSize(4).allSatisfy(c -> assertThat(c.kind()).isEqualTo(PluginChange.Kind.FAILED));
        assertThat(host.failures()).hasSize(4);
        assertThat(host.descriptors()).isNotSameAs(before).filteredOn(PluginDescriptor::failed).hasSize(4);
        assertThat(score(host.saliency("good"))).isEqualTo(2f);

        // the hung thread was abandoned: the next file loads on a fresh one
        Files.writeString(plugins.resolve("later.groovy"), GOOD.replace("'good'", "'later'").replace("class Good", "class Later"));
        assertThat(host.refresh(false)).singleElement().satisfies(c -> assertThat(c.kind()).isEqualTo(PluginChange.Kind.LOADED));
        assertThat(score(host.saliency("later"))).isEqualTo(2f);
    }

    @Test
    void aJavaPluginThatIgnoresItsInterruptIsAbandonedAndTheNextJarLoads() throws IOException {
        var build = Files.createDirectories(dir.resolve("build"));
        var stuck = PluginJars.build(Files.createTempDirectory(build, "stuck"), "stuck", "1.0", "test.stuck.Stuck",
                PluginJars.saliency("test.stuck", "Stuck", "stuck", "spin()").replace("public INDArray score(",
                        "private static INDArray spin() { while (true) { try { Thread.sleep(50); } catch (InterruptedException e) { } } }\n"
                                + "    public INDArray score("));
        Files.copy(stuck, plugins.resolve("stuck.jar"));
        var good = PluginJars.build(Files.createTempDirectory(build, "good"), "fine", "1.0", "test.fine.Fine",
                PluginJars.saliency("test.fine", "Fine", "fine"));
        Files.copy(good, plugins.resolve("z-fine.jar"));

        host = PluginHost.start(List.of(plugins), LIMIT);

        assertThat(host.failures()).singleElement().asString().contains("stuck.jar").contains("saliency 'stuck'")
                .contains("did not finish within 5 s").contains("ignored its interrupt");
        assertThat(score(host.saliency("fine"))).isEqualTo(2f);
    }

    /** The failure line about one file. */
    private static String line(List<String> failures, String file) {
        return failures.stream().filter(f -> f.contains(file)).findFirst()
                .orElseThrow(() -> new AssertionError(file + " is not among the failures: " + failures));
    }
}
