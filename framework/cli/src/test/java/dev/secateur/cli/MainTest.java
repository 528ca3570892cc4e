package dev.secateur.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The command line in-process: output, and exit codes 0, 1, 2. Table, export and predict are in
 * {@link RunOutputCommandsTest}; separate JVMs in integration-tests.
 */
class MainTest extends InProcessCommandLine {

    private static final String PLUGINS = "--builtin-plugins=target/secateur/plugins";

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

    @Test
    void aCriterionThatReturnsInfiniteScoresMidRunIsExitCode1() throws IOException {
        var plugins = criterion("overflows", "return scores.putScalar(0, Float.POSITIVE_INFINITY)");
        var script = Files.writeString(dir.resolve("overflow.groovy"), """
                run(experiment('overflow') {
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 300, test: 100)
                    saliency 'overflows'
                    schedule 'one-shot', target: 0.5
                    finetune epochs: 0
                })
                """);
        assertThat(run("run", script.toString(), PLUGINS, "--plugins-dir", plugins.toString(), "--no-progress",
                "--runs-dir", dir.resolve("runs").toString())).as(err.toString()).isEqualTo(Main.RUN_FAILED).isEqualTo(1);
        assertThat(err.toString().lines().toList()).singleElement().asString()
                .startsWith("secateur: ").contains("'overflows'").contains("infinite scores").doesNotContain("\tat ");
        try (var runs = Files.list(dir.resolve("runs"))) {
            var run = runs.findFirst().orElseThrow();
            assertThat(run.resolve("FAILED")).content().contains("overflows");
            assertThat(run.resolve("events.jsonl")).content().contains("\"event\":\"failed\"");
        }
    }

    @Test
    void aCriterionThatWritesIntoTheWeightsItScoresFailsItsRunNamingItAndLeavesTheWeightsAlone() throws IOException {
        // abs in place: the classic slip, which would silently change the model being pruned
        var plugins = criterion("in-place", "return Transforms.abs(param.weights(), false)");
        int exit = runScript("in-place-run.groovy", """
                run(experiment('in-place') {
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 300, test: 100)
                    saliency 'in-place'
                    schedule 'one-shot', target: 0.5
                    finetune epochs: 0
                })
                """, "--plugins-dir", plugins.toString());
        assertThat(exit).as(err.toString()).isEqualTo(Main.RUN_FAILED);
        assertThat(err.toString().lines().toList()).singleElement().asString()
                .contains("saliency 'in-place'").contains("wrote into the weights of 0_W").contains("the weights were put back");
    }

    @Test
    void aSweepWithResumeReusesWhatFinishedAndResumeRefusesARunThatIsRunningOrFinished() throws IOException {
        String sweep = """
                for (target in [0.5, 0.7]) {
                    def r = run(experiment("sweep-${(int) (target * 100)}") {
                        model { train 'lenet-300-100', epochs: 1 }
                        data fashionMnist(source: 'embedded', train: 300, test: 100)
                        schedule 'one-shot', target: target
                        finetune epochs: 0
                    }, resume: true)
                    println "sparsity ${r.sparsity}"
                }
                """;
        assertThat(runScript("sweep.groovy", sweep)).as(err.toString()).isEqualTo(Main.OK);
        assertThat(out.toString()).contains("sparsity 0.5").contains("sparsity 0.7").doesNotContain("finished before");
        out.getBuffer().setLength(0);
        // again: both finished, so nothing runs and their results come back
        assertThat(runScript("sweep.groovy", sweep)).as(err.toString()).isEqualTo(Main.OK);
        assertThat(out.toString()).containsSubsequence("finished before; its results are used", "sparsity 0.5",
                "finished before; its results are used", "sparsity 0.7");
        List<Path> runs;
        try (var dirs = Files.list(dir.resolve("runs"))) {
            runs = dirs.sorted().toList();
        }
        assertThat(runs).hasSize(2);

        err.getBuffer().setLength(0);
        assertThat(run("resume", runs.get(0).toString())).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("finished; there is nothing to resume");
        // a run whose LOCK names a live process (this one) is not resumed under it
        Files.delete(runs.get(1).resolve("model-final.zip"));
        Files.writeString(runs.get(1).resolve("LOCK"), "{\"pid\":" + ProcessHandle.current().pid() + ",\"host\":\""
                + InetAddress.getLocalHost().getHostName() + "\",\"processStarted\":\""
                + ProcessHandle.current().info().startInstant().orElseThrow() + "\"}");
        err.getBuffer().setLength(0);
        assertThat(run("resume", runs.get(1).toString())).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("is running in process " + ProcessHandle.current().pid());
        err.getBuffer().setLength(0);
        assertThat(run("runs", "--runs-dir", dir.resolve("runs").toString())).isEqualTo(Main.OK);
        assertThat(out.toString()).containsPattern(runs.get(0).getFileName() + " +completed ")
                .containsPattern(runs.get(1).getFileName() + " +running ");
    }

    /**
     * A Groovy source criterion that scores |w| for a parameter of at most 100 weights, so it passes the smoke
     * test (a 6x4 parameter), and runs {@code onRealLayers} for a real layer: how a plugin that breaks its
     * contract only in a run looks.
     */
    private Path criterion(String id, String onRealLayers) throws IOException {
        var plugins = Files.createDirectories(dir.resolve("plugins"));
        String type = Arrays.stream(id.split("-")).map(w -> Character.toUpperCase(w.charAt(0)) + w.substring(1))
                .collect(Collectors.joining());
        Files.writeString(plugins.resolve(id + ".groovy"), """
                class %s implements SaliencyMethod {
                    String id() { '%s' }
                    String description() { 'breaks its contract on real layers' }
                    Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                    INDArray score(ParamView param, Options options) {
                        def scores = Transforms.abs(param.weights(), true)
                        if (param.weights().length() <= 100) {
                            return scores
                        }
                        %s
                    }
                }
                """.formatted(type, id, onRealLayers));
        return plugins;
    }

    private int runScript(String name, String text, String... options) throws IOException {
        var script = Files.writeString(dir.resolve(name), text);
        var args = new ArrayList<>(List.of("run", script.toString(), PLUGINS, "--no-progress", "--runs-dir",
                dir.resolve("runs").toString()));
        args.addAll(List.of(options));
        return run(args.toArray(String[]::new));
    }

    @Test
    void aScriptWithAByteOrderMarkRunsAndOneThatRunsNothingSaysSo() throws IOException {
        assertThat(runScript("bom.groovy", "\uFEFFprintln 'bom ok'\n")).as(err.toString()).isEqualTo(Main.OK);
        assertThat(out.toString()).contains("bom ok");
        assertThat(err.toString().lines().toList()).singleElement().asString().contains("bom.groovy ran no experiment");
        err.getBuffer().setLength(0);
        assertThat(runScript("empty.groovy", "")).isEqualTo(Main.OK);
        assertThat(err.toString().lines().toList()).singleElement().asString()
                .isEqualTo("secateur: note: " + dir.resolve("empty.groovy") + " ran no experiment; a script passes one to run(...), "
                        + "as scripts/quickstart.groovy does");
    }

    @Test
    void systemExitInAScriptIsRefusedAtItsLineBeforeAnythingRuns() throws IOException {
        assertThat(runScript("exits.groovy", "println 'never printed'\nSystem.exit(7)\n")).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).startsWith("secateur: error: " + dir.resolve("exits.groovy") + ":2: System.exit is not allowed");
        assertThat(out.toString()).doesNotContain("never printed");
        assertThat(runScript("halts.groovy", "Runtime.getRuntime().halt(3)\n")).isEqualTo(Main.BAD_INPUT);
    }

    @Test
    void anExceptionOrAMissingFileInAScriptIsBadInputAtItsLine() throws IOException {
        assertThat(runScript("throws.groovy", "def x = 1\nif (x == 1) throw new IllegalStateException('boom')\n")).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString().lines().toList()).singleElement().asString()
                .isEqualTo("secateur: error: " + dir.resolve("throws.groovy") + ":2: the script threw java.lang.IllegalStateException: boom; "
                        + "fix the script at that line");
        err.getBuffer().setLength(0);
        var missing = dir.resolve("no-such-file.txt");
        assertThat(runScript("reads.groovy", "\ndef text = new File('" + missing + "').text\n")).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).startsWith("secateur: error: " + dir.resolve("reads.groovy") + ":2: the script could not read a file: ")
                .contains("no-such-file.txt").doesNotContain("\tat ");
    }

    @Test
    void aRunawayLoopIsStoppedByTimeoutOrByTheLimitOnTimeOutsideExperiments() throws IOException {
        assertThat(runScript("loops.groovy", "int i = 0\nwhile (true) {\n  i++\n}\n", "--timeout", "1s")).isEqualTo(Main.RUN_FAILED);
        assertThat(err.toString().lines().toList()).singleElement().asString()
                .isEqualTo("secateur: failed: " + dir.resolve("loops.groovy") + ":2: stopped: the script ran past --timeout 1 s");
        err.getBuffer().setLength(0);
        var config = Files.writeString(dir.resolve("limit.json"), "{\"timeoutSeconds\": {\"script\": 1}}");
        assertThat(runScript("loops2.groovy", "while (true) { }\n", "--config", config.toString())).isEqualTo(Main.RUN_FAILED);
        assertThat(err.toString()).contains("stopped: the script ran for 1 s outside any experiment")
                .contains("--timeout").contains("timeoutSeconds.script");
    }

    @Test
    void theTimeoutCancelsTheExperimentInProgress() throws IOException {
        long start = System.nanoTime();
        assertThat(runScript("long.groovy", """
                run(experiment('long') {
                    model { train 'lenet-300-100', epochs: 50 }
                    data fashionMnist(source: 'embedded', train: 2000, test: 200)
                    schedule 'one-shot', target: 0.5
                })
                """, "--timeout", "3s")).isEqualTo(Main.RUN_FAILED);
        assertThat(err.toString()).contains("stopped: the script ran past --timeout 3 s");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMinutes(1));
        try (var runs = Files.list(dir.resolve("runs"))) {
            assertThat(runs.findFirst().orElseThrow().resolve("CANCELLED")).exists();
        }
    }

    @Test
    void portsAndTheRunsDirectoryAreCheckedBeforeAnythingLoads() throws IOException {
        var script = Files.writeString(dir.resolve("never.groovy"), "println 'never printed'\n");
        for (String[] bad : new String[][]{{"--metrics-port", "99999"}, {"--metrics-port", "-1"}, {"--dashboard", "70000"}}) {
            err.getBuffer().setLength(0);
            assertThat(run("run", script.toString(), PLUGINS, bad[0], bad[1])).isEqualTo(Main.BAD_INPUT);
            assertThat(err.toString()).as(String.join(" ", bad)).contains(bad[0] + " " + bad[1] + " is not a port")
                    .doesNotContain("Exception");
        }
        var file = Files.writeString(dir.resolve("a-file"), "x");
        err.getBuffer().setLength(0);
        assertThat(run("run", script.toString(), PLUGINS, "--runs-dir", file.toString())).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("--runs-dir " + file + " is a file, not a directory");
        err.getBuffer().setLength(0);
        assertThat(run("run", script.toString(), PLUGINS, "--runs-dir", file.resolve("below").toString())).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("cannot be created: " + file + " is not a directory");
        assertThat(out.toString()).doesNotContain("never printed");
    }
}
