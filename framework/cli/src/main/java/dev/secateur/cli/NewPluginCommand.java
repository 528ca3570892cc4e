package dev.secateur.cli;

import dev.secateur.config.Version;
import dev.secateur.errors.BadInputException;
import dev.secateur.plugin.PluginHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code secateur new-plugin saliency|schedule ID}: a plugin project to start from, with its id in one place.
 * A Java project keeps the id in its pom only ({@code plugin.id}): the manifest and the class both take it from
 * there, so the id scripts use and the one {@code secateur plugins} shows cannot differ. A Groovy source
 * plugin is one file whose {@code id()} is the id.
 */
@Command(name = "new-plugin", mixinStandardHelpOptions = true,
        description = "Generate a saliency method or schedule to start from: a Maven project built against the SPI with a "
                + "unit test, or with --groovy a Groovy source to drop into a plugin directory.")
final class NewPluginCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "KIND", description = "saliency or schedule")
    String kind;

    @Parameters(index = "1", paramLabel = "ID", description = "The id scripts will use, such as my-criterion (lowercase letters, digits, dashes).")
    String id;

    @Option(names = "--groovy", description = "A Groovy source plugin (one .groovy file) instead of a Maven project.")
    boolean groovy;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".", description = "Where to create it (default: the current directory).")
    Path dir;

    @Option(names = "--package", paramLabel = "PACKAGE", description = "The Java package (default: com.example.<id without dashes>).")
    String javaPackage;

    @Option(names = "--group", paramLabel = "GROUP", defaultValue = "com.example", description = "The Maven groupId (default: com.example).")
    String group;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        boolean saliency = switch (kind) {
            case "saliency" -> true;
            case "schedule" -> false;
            default -> throw new BadInputException("new-plugin KIND '" + kind + "' must be saliency or schedule");
        };
        if (!PluginHost.ID.matcher(id).matches()) {
            throw new BadInputException("plugin id '" + id + "' must be lowercase letters and digits in dash-separated words, "
                    + "such as my-criterion: scripts, spec.json and metric tags use it as it is");
        }
        String className = Arrays.stream(id.split("-")).map(w -> Character.toUpperCase(w.charAt(0)) + w.substring(1))
                .collect(Collectors.joining()) + (saliency ? "Saliency" : "Schedule");
        if (Character.isDigit(className.charAt(0))) {
            className = "P" + className;
        }
        var out = spec.commandLine().getOut();
        if (groovy) {
            Path file = dir.resolve(id + ".groovy");
            refuseExisting(file);
            Files.createDirectories(dir);
            Files.writeString(file, saliency ? groovySaliency(className) : groovySchedule(className));
            out.println("created " + file);
            out.println("use it: bin/secateur run SCRIPT --plugins-dir " + dir + "   (or serve --plugins-dir " + dir
                    + ", which reloads it when you save)");
            out.println("in a script: " + (saliency ? "saliency '" + id + "'" : "schedule '" + id + "', target: 0.9, steps: 3"));
            return Main.OK;
        }
        String pkg = javaPackage != null ? javaPackage : "com.example." + id.replace("-", "").toLowerCase(Locale.ROOT);
        if (Character.isDigit(pkg.charAt(pkg.lastIndexOf('.') + 1))) {
            pkg = pkg.substring(0, pkg.lastIndexOf('.') + 1) + "p" + pkg.substring(pkg.lastIndexOf('.') + 1);
        }
        Path project = dir.resolve(id);
        refuseExisting(project);
        String path = pkg.replace('.', '/');
        write(project.resolve("pom.xml"), pom(saliency));
        write(project.resolve("src/main/java-templates/" + path + "/PluginId.java"), pluginId(pkg));
        write(project.resolve("src/main/java/" + path + "/" + className + ".java"), saliency ? javaSaliency(pkg, className)
                : javaSchedule(pkg, className));
        write(project.resolve("src/test/java/" + path + "/" + className + "Test.java"), saliency ? javaSaliencyTest(pkg, className)
                : javaScheduleTest(pkg, className));
        out.println("created " + project + " (" + pkg + "." + className + ")");
        out.println("build it:  cd " + project + " && mvn -q package      (the SPI is installed in ~/.m2 by bin/secateur new-plugin)");
        out.println("use it:    cp target/" + id + ".jar DIR, for bin/secateur run SCRIPT --plugins-dir DIR, or a server's "
                + "--plugins-dir, which reloads it whenever a new build replaces it");
        out.println("the id '" + id + "' lives in pom.xml (plugin.id) only; the manifest and " + className + ".id() take it from there");
        return Main.OK;
    }

    private static void refuseExisting(Path path) {
        if (Files.exists(path)) {
            throw new BadInputException(path + " already exists; choose another --dir or id, or remove it");
        }
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private String pom(boolean saliency) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0"
                         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>%1$s</groupId>
                  <artifactId>%2$s</artifactId>
                  <version>1.0.0</version>
                  <name>%2$s: a Secateur %3$s</name>

                  <properties>
                    <!-- The plugin's id, and the only place it is written: the manifest and PluginId.ID come from it. -->
                    <plugin.id>%2$s</plugin.id>
                    <plugin.description>%4$s</plugin.description>
                    <secateur.version>%5$s</secateur.version>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>

                  <dependencies>
                    <!-- Secateur supplies the SPI, ND4J and PF4J when it loads the plugin: provided, so the jar holds only this plugin. -->
                    <dependency>
                      <groupId>dev.secateur</groupId>
                      <artifactId>secateur-spi</artifactId>
                      <version>${secateur.version}</version>
                      <scope>provided</scope>
                    </dependency>
                    <!-- ND4J's CPU backend, for the unit tests only -->
                    <dependency>
                      <groupId>org.nd4j</groupId>
                      <artifactId>nd4j-native</artifactId>
                      <version>1.0.0-M2.1</version>
                      <scope>test</scope>
                    </dependency>
                    <dependency>
                      <groupId>org.nd4j</groupId>
                      <artifactId>nd4j-native</artifactId>
                      <version>1.0.0-M2.1</version>
                      <classifier>linux-x86_64</classifier>
                      <scope>test</scope>
                    </dependency>
                    <dependency>
                      <groupId>org.junit.jupiter</groupId>
                      <artifactId>junit-jupiter</artifactId>
                      <version>5.14.1</version>
                      <scope>test</scope>
                    </dependency>
                    <!-- ND4J logs through SLF4J 1.7: quiet in the unit tests -->
                    <dependency>
                      <groupId>org.slf4j</groupId>
                      <artifactId>slf4j-nop</artifactId>
                      <version>1.7.36</version>
                      <scope>test</scope>
                    </dependency>
                  </dependencies>

                  <build>
                    <!-- target/ID.jar, whatever the version: copying a new build over the old one replaces it in a server -->
                    <finalName>${plugin.id}</finalName>
                    <plugins>
                      <!-- Maven 3.8's default compiler ignores maven.compiler.release, and its default surefire runs no JUnit 5 test. -->
                      <plugin>
                        <artifactId>maven-compiler-plugin</artifactId>
                        <version>3.14.0</version>
                      </plugin>
                      <plugin>
                        <artifactId>maven-surefire-plugin</artifactId>
                        <version>3.5.4</version>
                      </plugin>
                      <!-- src/main/java-templates/.../PluginId.java gets plugin.id from above -->
                      <plugin>
                        <groupId>org.codehaus.mojo</groupId>
                        <artifactId>templating-maven-plugin</artifactId>
                        <version>3.0.0</version>
                        <executions>
                          <execution>
                            <goals>
                              <goal>filter-sources</goal>
                            </goals>
                          </execution>
                        </executions>
                      </plugin>
                      <plugin>
                        <artifactId>maven-jar-plugin</artifactId>
                        <version>3.4.2</version>
                        <configuration>
                          <archive>
                            <manifestEntries>
                              <Plugin-Id>${plugin.id}</Plugin-Id>
                              <Plugin-Version>${project.version}</Plugin-Version>
                              <Plugin-Description>${plugin.description}</Plugin-Description>
                            </manifestEntries>
                          </archive>
                        </configuration>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(group, id, saliency ? "saliency method" : "pruning schedule",
                saliency ? "my saliency method" : "my pruning schedule", Version.get());
    }

    private static String pluginId(String pkg) {
        return """
                package %s;

                /** The plugin's id, filled in from plugin.id in pom.xml when the project builds: change it there. */
                final class PluginId {

                    static final String ID = "${plugin.id}";

                    private PluginId() {
                    }
                }
                """.formatted(pkg);
    }

    private static String javaSaliency(String pkg, String className) {
        return """
                package %1$s;

                import dev.secateur.spi.Options;
                import dev.secateur.spi.ParamView;
                import dev.secateur.spi.Requirement;
                import dev.secateur.spi.SaliencyMethod;
                import java.util.Set;
                import org.nd4j.linalg.api.ndarray.INDArray;
                import org.nd4j.linalg.ops.transforms.Transforms;
                import org.pf4j.Extension;

                /**
                 * A saliency method: a score per weight, higher for the weights that matter more. It never thresholds,
                 * never changes the weights or the mask, and keeps no state: the pruner decides what goes.
                 */
                @Extension
                public final class %2$s implements SaliencyMethod {

                    @Override
                    public String id() {
                        return PluginId.ID;
                    }

                    @Override
                    public String description() {
                        return "|w|: replace with what your criterion computes";
                    }

                    /** What the scorer gathers before score() is called: WEIGHTS, or GRADIENTS, INPUT_GRAM ... (see Requirement). */
                    @Override
                    public Set<Requirement> requirements() {
                        return Set.of(Requirement.WEIGHTS);
                    }

                    @Override
                    public INDArray score(ParamView param, Options options) {
                        return Transforms.abs(param.weights(), true); // a new array: never modify param.weights()
                    }
                }
                """.formatted(pkg, className);
    }

    private static String javaSaliencyTest(String pkg, String className) {
        return """
                package %1$s;

                import static org.junit.jupiter.api.Assertions.assertArrayEquals;
                import static org.junit.jupiter.api.Assertions.assertEquals;

                import dev.secateur.spi.Options;
                import dev.secateur.spi.testing.ArrayParamView;
                import org.junit.jupiter.api.Test;
                import org.nd4j.linalg.factory.Nd4j;

                class %2$sTest {

                    @Test
                    void scoresEveryWeightWithoutChangingIt() {
                        var weights = Nd4j.createFromArray(new float[][]{{-2, 1}, {0.5f, 3}});
                        var view = ArrayParamView.dense("0_W", weights.dup(), 1);
                        var scores = new %2$s().score(view, Options.NONE);
                        assertArrayEquals(weights.shape(), scores.shape());
                        assertEquals(2f, scores.getFloat(0, 0));
                        assertEquals(weights, view.weights(), "score() must not change the weights");
                    }
                }
                """.formatted(pkg, className);
    }

    private static String javaSchedule(String pkg, String className) {
        return """
                package %1$s;

                import dev.secateur.spi.PruningSchedule;
                import dev.secateur.spi.ScheduleSpec;
                import dev.secateur.spi.ScheduleStep;
                import java.util.ArrayList;
                import java.util.List;
                import org.pf4j.Extension;

                /** A pruning schedule: the target of each step, rising to the final one. It neither scores nor prunes. */
                @Extension
                public final class %2$s implements PruningSchedule {

                    @Override
                    public String id() {
                        return PluginId.ID;
                    }

                    @Override
                    public String description() {
                        return "equal steps to the target: replace with your ramp";
                    }

                    @Override
                    public List<ScheduleStep> plan(ScheduleSpec spec) {
                        var steps = new ArrayList<ScheduleStep>();
                        for (int k = 1; k <= spec.steps(); k++) {
                            double target = k == spec.steps() ? spec.target() : spec.target() * k / spec.steps();
                            steps.add(new ScheduleStep(k, target, spec.finetuneEpochs()));
                        }
                        return steps;
                    }
                }
                """.formatted(pkg, className);
    }

    private static String javaScheduleTest(String pkg, String className) {
        return """
                package %1$s;

                import static org.junit.jupiter.api.Assertions.assertEquals;

                import dev.secateur.spi.Options;
                import dev.secateur.spi.ScheduleSpec;
                import org.junit.jupiter.api.Test;

                class %2$sTest {

                    @Test
                    void endsAtTheTarget() {
                        var steps = new %2$s().plan(new ScheduleSpec(0.9, 3, 1, Options.NONE));
                        assertEquals(3, steps.size());
                        assertEquals(0.9, steps.get(2).targetSparsity(), 1e-12);
                    }
                }
                """.formatted(pkg, className);
    }

    private String groovySaliency(String className) {
        return """
                // A Secateur saliency method as a Groovy source. Put this file in a plugin directory:
                // bin/secateur run SCRIPT --plugins-dir DIR loads it, and bin/secateur serve --plugins-dir DIR reloads it
                // whenever you save (a run keeps the version it started with). The SPI (dev.secateur.spi.*), INDArray,
                // Nd4j and Transforms are imported. The id below is the plugin's only id: saliency '%1$s' in a script.

                class %2$s implements SaliencyMethod {

                    String id() { '%1$s' }

                    String description() { '|w|: replace with what your criterion computes' }

                    Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }

                    INDArray score(ParamView param, Options options) {
                        Transforms.abs(param.weights(), true)   // a new array: never modify param.weights()
                    }
                }
                """.formatted(id, className);
    }

    private String groovySchedule(String className) {
        return """
                // A Secateur pruning schedule as a Groovy source. Put this file in a plugin directory:
                // bin/secateur run SCRIPT --plugins-dir DIR loads it, and bin/secateur serve --plugins-dir DIR reloads it
                // whenever you save. The id below is the plugin's only id: schedule '%1$s', target: 0.9, steps: 3.

                class %2$s implements PruningSchedule {

                    String id() { '%1$s' }

                    String description() { 'equal steps to the target: replace with your ramp' }

                    List<ScheduleStep> plan(ScheduleSpec spec) {
                        (1..spec.steps()).collect { int k ->
                            new ScheduleStep(k, k == spec.steps() ? spec.target() : spec.target() * k / spec.steps(), spec.finetuneEpochs())
                        }
                    }
                }
                """.formatted(id, className);
    }
}
