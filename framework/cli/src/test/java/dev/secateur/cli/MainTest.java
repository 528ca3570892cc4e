package dev.secateur.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line in-process: output, and exit codes 0, 1, 2. Separate JVMs are in integration-tests. */
class MainTest {

    private static final String PLUGINS = "--builtin-plugins=target/secateur/plugins";

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void pluginsListsIdsVersionsJarsAndOptions() {
        assertThat(run("plugins", PLUGINS)).isEqualTo(Main.OK);
        assertThat(out.toString())
                .containsPattern("saliency +magnitude +0\\.1\\.0-SNAPSHOT +secateur-plugin-magnitude-0\\.1\\.0-SNAPSHOT\\.jar")
                .containsPattern("saliency +obs +0\\.1\\.0-SNAPSHOT +secateur-plugin-obs-0\\.1\\.0-SNAPSHOT\\.jar +Optimal Brain Surgeon")
                .containsPattern("schedule +agp")
                .contains("magnitude option norm:")
                .contains("obs option mode:");
    }

    @Test
    void aSyntaxErrorIsExitCode2WithFileAndLineAndNoStackTrace() throws IOException {
        var script = Files.writeString(dir.resolve("broken.groovy"), "experiment('x') {\n  model { train 'lenet-5'\n");
        assertThat(run("run", script.toString(), PLUGINS, "--runs-dir", dir.resolve("runs").toString())).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).startsWith("secateur: error: " + script + ":").doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(dir.resolve("runs")).doesNotExist();
    }

    @Test
    void aMissingPluginDirectoryIsExitCode2() throws IOException {
        var script = Files.writeString(dir.resolve("ok.groovy"), "println 'hi'\n");
        assertThat(run("run", script.toString(), "--builtin-plugins", dir.resolve("none").toString())).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("plugin directory").contains("none");
    }

    @Test
    void anUnknownOptionIsExitCode2WithUsage() {
        assertThat(run("run", "--no-such-option", "x.groovy")).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("Unknown option").contains("Usage:");
    }

    @Test
    void aScriptRunsAnExperimentAndPrintsTheSummary() throws IOException {
        var script = Files.writeString(dir.resolve("tiny.groovy"), """
                def r = run(experiment('tiny') {
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 300, test: 100)
                    schedule 'one-shot', target: 0.5
                    finetune epochs: 0
                    evaluate latencyRepeats: 3
                })
                println "done ${r.sparsity}"
                """);
        assertThat(run("run", script.toString(), PLUGINS, "--no-progress", "--runs-dir", dir.resolve("runs").toString()))
                .as(err.toString()).isEqualTo(Main.OK);
        assertThat(out.toString()).contains("run directory: " + dir.resolve("runs")).contains("step  target  sparsity")
                .contains("done 0.5");
    }
}
