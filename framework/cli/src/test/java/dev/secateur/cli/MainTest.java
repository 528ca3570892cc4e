package dev.secateur.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.secateur.config.Machine;
import dev.secateur.config.Version;
import dev.secateur.data.NpyFile;
import dev.secateur.export.SparseModelFile;
import dev.secateur.files.Sha256;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.ModelFiles;
import dev.secateur.spi.ParamRef;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

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
    void tableMakesAStampedTableFromRealRunsAndCheckRefusesAPageWithAnUnstampedOne() throws IOException {
        String seeds = """
                for (s in [1, 2]) {
                    run(experiment("tiny-seed-${s}") {
                        seed s
                        model { train 'lenet-300-100', epochs: 1 }
                        data fashionMnist(source: 'embedded', train: 300, test: 100)
                        schedule 'one-shot', target: 0.5
                        finetune epochs: 0
                    })
                }
                """;
        assertThat(runScript("seeds.groovy", seeds)).as(err.toString()).isEqualTo(Main.OK);
        out.getBuffer().setLength(0);
        String glob = dir.resolve("runs").resolve("tiny-*").toString();
        assertThat(run("table", glob, "--columns", "accuracy,dense", "--markdown")).as(err.toString()).isEqualTo(Main.OK);
        String markdown = out.toString();
        // the mean worked out here from each run's results.csv
        double[] finals = new double[2];
        double[] dense = new double[2];
        try (var runs = Files.list(dir.resolve("runs"))) {
            var dirs = runs.sorted().toList();
            for (int i = 0; i < 2; i++) {
                var lines = Files.readAllLines(dirs.get(i).resolve("results.csv"));
                dense[i] = Double.parseDouble(lines.get(1).split(",")[3]);
                finals[i] = Double.parseDouble(lines.get(lines.size() - 1).split(",")[3]);
            }
        }
        String mean = String.format(Locale.ROOT, "%.2f%%", 100 * (finals[0] + finals[1]) / 2);
        assertThat(markdown).contains("| tiny | 2 (1, 2) | " + mean);
        assertThat(markdown).contains("<sub>Generated by `bin/secateur table '" + glob + "' --columns accuracy,dense --markdown` on ")
                .contains("by commit " + Version.commit())
                // the script's content as it ran, which spec.json keeps
                .contains("; script seeds.groovy (SHA-256 " + Sha256.hex(dir.resolve("seeds.groovy")).substring(0, 12) + ")")
                .contains(Machine.current().cpu() + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        var page = Files.writeString(dir.resolve("results.md"), "# Results\n\n" + markdown.substring(0, markdown.indexOf("<sub>")));
        out.getBuffer().setLength(0);
        assertThat(run("table", "--check", page.toString())).isEqualTo(Main.BAD_INPUT);
        assertThat(out.toString()).contains(page + ":3: the table has no stamp");
        err.getBuffer().setLength(0);
        assertThat(run("table", dir.resolve("runs").resolve("nothing-*").toString())).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("matches no run directory");
        err.getBuffer().setLength(0);
        assertThat(run("table", glob, "--by", "layer")).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("--by and --where choose the lines of another file: give it with --file");
        err.getBuffer().setLength(0);
        assertThat(run("table", glob, "--file", "rank-correlation.csv")).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("none of the 2 runs chosen has a rank-correlation.csv");

        // with its stamp the page passes, when the build that made the runs recorded a commit (not one outside a git
        // checkout); a build with uncommitted changes, as while developing, is listed as such
        Files.writeString(page, "# Results\n\n" + markdown);
        out.getBuffer().setLength(0);
        boolean recorded = Version.commit().matches("[0-9a-f]{7}(-dirty)?");
        assertThat(run("table", "--check", page.toString())).isEqualTo(recorded ? Main.OK : Main.BAD_INPUT);
        assertThat(out.toString()).contains(recorded ? "1 tables with figures: 1 generated by bin/secateur table"
                : page + ":3: the table's ");
        assumeTrue(Files.isDirectory(Path.of("../../.git")), "built outside a git checkout");
        assertThat(Version.commit()).as("built from this checkout").matches("[0-9a-f]{7}(-dirty)?");
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

    @Test
    void exportWritesADl4jZipNpyArraysAndASparseFileThatReadsBackIdentically() throws Exception {
        var run = Files.createDirectories(dir.resolve("runs/pruned-1"));
        var net = Architecture.LENET_300_100.build(7L, 1e-3);
        var mask = net.getParam("0_W").gt(0.02).castTo(DataType.FLOAT);
        var masks = MaskSet.of(Map.of(ParamRef.parse("0_W"), mask));
        masks.applyTo(net);
        ModelFiles.save(net, run.resolve("model-final.zip"));
        var stepMasks = Files.createDirectories(run.resolve("masks/step-1"));
        Nd4j.writeAsNumpy(mask.castTo(DataType.BOOL), stepMasks.resolve("0_W.npy").toFile());

        assertThat(run("export", run.toString(), "--format", "sparse")).as(err.toString()).isEqualTo(Main.OK);
        assertThat(out.toString()).contains("sparse model: " + run.resolve("export/model.sparse"))
                .containsPattern("dense float32 parameters 1,066,440 bytes; sparse file [0-9,]+ bytes .*compression [0-9.]+x")
                .contains("csr-relative-8bit");
        var restored = SparseModelFile.read(run.resolve("export/model.sparse"));
        assertThat(restored.params()).isEqualTo(net.params());

        assertThat(run("export", run.toString(), "--format", "npy", "--out", dir.resolve("npy-out").toString())).isEqualTo(Main.OK);
        assertThat(dir.resolve("npy-out/npy/0_W.npy")).exists();
        assertThat(dir.resolve("npy-out/npy/2_b.npy")).exists();
        assertThat(dir.resolve("npy-out/npy/masks/0_W.npy")).exists();
        assertThat(run("export", run.toString(), "--format", "dl4j")).isEqualTo(Main.OK);
        assertThat(out.toString()).contains("no whole unit was pruned; same shapes");
        assertThat(ModelFiles.load(run.resolve("export/model.zip")).params()).isEqualTo(net.params());
    }

    @Test
    void exportAsDl4jRemovesDeadNeuronsPhysicallyAndReportsTheSpeedSideBySide() throws Exception {
        var run = Files.createDirectories(dir.resolve("runs/neurons-1"));
        var net = Architecture.LENET_300_100.build(8L, 1e-3);
        for (int neuron = 0; neuron < 300; neuron += 2) {
            net.getParam("0_W").getColumn(neuron).assign(0);
            net.getParam("0_b").putScalar(neuron, 0);
        }
        ModelFiles.save(net, run.resolve("model-final.zip"));
        assertThat(run("export", run.toString(), "--format", "dl4j")).as(err.toString()).isEqualTo(Main.OK);
        assertThat(out.toString()).contains("dead filters and neurons physically removed")
                .contains("params 266,610 -> 133,860 (49.8% fewer)") // 150 x (784 + 1 + 100) gone
                .containsPattern("latency at batch 1: [0-9.]+ ms masked, [0-9.]+ ms shrunk")
                .containsPattern("latency at batch 256: [0-9.]+ ms masked, [0-9.]+ ms shrunk")
                // and where it is deployed: both written as ONNX and timed in onnxruntime
                .containsPattern("onnxruntime latency at batch 256: [0-9.]+ ms dense, [0-9.]+ ms pruned")
                .containsPattern("onnxruntime latency cut at batch 256: -?[0-9.]+% for a FLOPs cut of 49.[0-9]% \\(-?[0-9.]+ of it\\)");
        var shrunk = ModelFiles.load(run.resolve("export/model.zip"));
        assertThat(shrunk.getParam("0_W").shape()).containsExactly(784, 150);
        var x = Nd4j.rand(DataType.FLOAT, 16, 784);
        assertThat(Transforms.abs(net.output(x).sub(shrunk.output(x)), false).maxNumber().doubleValue())
                .isLessThanOrEqualTo(1e-5);
    }

    @Test
    void predictGivesTheClassesAndProbabilitiesOfDl4jsOutputThroughEitherForwardPass() throws Exception {
        var run = Files.createDirectories(dir.resolve("runs/predict-1"));
        var net = Architecture.LENET_300_100.build(9L, 1e-3);
        net.getParam("0_W").muli(net.getParam("0_W").gt(0.01).castTo(DataType.FLOAT)); // pruned, as a run leaves it
        ModelFiles.save(net, run.resolve("model-final.zip"));
        var x = Nd4j.rand(DataType.FLOAT, 20, 784);
        Path inputs = dir.resolve("inputs.npy");
        Nd4j.writeAsNumpy(x, inputs.toFile());
        long[] expected = net.output(x).argMax(1).toLongVector();

        assertThat(run("predict", run.toString(), "--input", inputs.toString(), "--output", dir.resolve("classes.npy").toString(),
                "--probabilities", dir.resolve("probabilities.npy").toString())).as(err.toString()).isEqualTo(Main.OK);
        assertThat(err.toString()).containsPattern("predicted 20 example\\(s\\) in 20 batch\\(es\\) of at most 1 through SmallBatchForward: "
                + "median [0-9.]+ ms a batch; classes in .*classes.npy; probabilities in .*probabilities.npy");
        assertThat(NpyFile.read(dir.resolve("classes.npy")).integers()).containsExactly(expected);
        var probabilities = NpyFile.read(dir.resolve("probabilities.npy"));
        assertThat(probabilities.shape()).containsExactly(20, 10);
        assertThat(Nd4j.create(probabilities.floats(), new long[]{20, 10}, 'c').sub(net.output(x)).amaxNumber().doubleValue()).isLessThan(1e-5);

        // a perceptron answers larger batches through the same pass, and without --output the classes are printed, one a line
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        assertThat(run("predict", run.resolve("model-final.zip").toString(), "--input", inputs.toString(), "--batch", "8")).isEqualTo(Main.OK);
        assertThat(out.toString().lines().mapToLong(Long::parseLong).toArray()).containsExactly(expected);
        assertThat(err.toString()).contains("in 3 batch(es) of at most 8 through SmallBatchForward");
    }

    @Test
    void predictReadsImagesInTheModelsLayoutForAConvolutionalNetwork() throws Exception {
        var net = Architecture.LENET_5.build(10L, 1e-3);
        Path model = dir.resolve("lenet5.zip");
        ModelFiles.save(net, model);
        var x = Nd4j.rand(DataType.FLOAT, 5, 1, 28, 28);
        Nd4j.writeAsNumpy(x, dir.resolve("images.npy").toFile());
        long[] classes = net.output(x.reshape(5, 784)).argMax(1).toLongVector();
        Path images = dir.resolve("images.npy");
        assertPredicts(model, images, classes, "in 5 batch(es) of at most 1 through SmallBatchForward");
        // up to four examples at once, the small-batch pass; more, DL4J's output
        assertPredicts(model, images, classes, "in 2 batch(es) of at most 4 through SmallBatchForward", "--batch", "4");
        assertPredicts(model, images, classes, "in 1 batch(es) of at most 5 through DL4J output", "--batch", "5");
    }

    /** {@code predict MODEL --input IMAGES [options]} prints {@code classes} and says it ran as {@code how}. */
    private void assertPredicts(Path model, Path images, long[] classes, String how, String... options) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        var args = new ArrayList<>(List.of("predict", model.toString(), "--input", images.toString()));
        args.addAll(List.of(options));
        assertThat(run(args.toArray(String[]::new))).as(err.toString()).isEqualTo(Main.OK);
        assertThat(out.toString().lines().mapToLong(Long::parseLong).toArray()).containsExactly(classes);
        assertThat(err.toString()).contains(how);
    }

    @Test
    void predictFoldsBatchNormalisationIntoTheConvolutionsAndPredictsAsDl4jDoes() throws Exception {
        var net = Architecture.VGG_SMALL.build(10L, 1e-3);
        var x = Nd4j.rand(DataType.FLOAT, 5, 1, 28, 28);
        net.fit(x.reshape(5, 784), Nd4j.eye(10).get(NDArrayIndex.interval(0, 5), NDArrayIndex.all())); // statistics of their own
        Path model = dir.resolve("vgg.zip");
        ModelFiles.save(net, model);
        Nd4j.writeAsNumpy(x, dir.resolve("images.npy").toFile());
        assertThat(run("predict", model.toString(), "--input", dir.resolve("images.npy").toString(), "--batch", "5")).as(err.toString()).isEqualTo(Main.OK);
        assertThat(out.toString().lines().mapToLong(Long::parseLong).toArray())
                .containsExactly(net.output(x.reshape(5, 784)).argMax(1).toLongVector());
        assertThat(err.toString()).contains("in 1 batch(es) of at most 5 through DL4J output, batch normalisation folded");
    }

    @Test
    void predictRefusesBytesTheWrongWidthABadBatchAndARunWithoutAModelNamingWhatToDo() throws Exception {
        var run = Files.createDirectories(dir.resolve("runs/predict-2"));
        ModelFiles.save(Architecture.LENET_300_100.build(11L, 1e-3), run.resolve("model-final.zip"));
        Path bytes = dir.resolve("bytes.npy");
        Nd4j.writeAsNumpy(Nd4j.zeros(DataType.UBYTE, 2, 784), bytes.toFile());
        assertThat(run("predict", run.toString(), "--input", bytes.toString())).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains(bytes + " holds |u1 values").contains("float32 or float64").contains("x / 255");

        Path narrow = dir.resolve("narrow.npy");
        Nd4j.writeAsNumpy(Nd4j.zeros(DataType.FLOAT, 2, 100), narrow.toFile());
        err.getBuffer().setLength(0);
        assertThat(run("predict", run.toString(), "--input", narrow.toString())).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains(narrow + " has shape [2, 100]; the model takes examples of 784 value(s) ([784]), "
                + "so give an array of shape [N, 784] with N at least 1");

        err.getBuffer().setLength(0);
        assertThat(run("predict", run.toString(), "--input", narrow.toString(), "--batch", "0")).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("--batch 0 must be at least 1");

        var empty = Files.createDirectories(dir.resolve("runs/unfinished"));
        err.getBuffer().setLength(0);
        assertThat(run("predict", empty.toString(), "--input", narrow.toString())).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains(empty + " has no model-final.zip").doesNotContain("\tat ");

        Path inputs = dir.resolve("fine.npy");
        Nd4j.writeAsNumpy(Nd4j.zeros(DataType.FLOAT, 2, 784), inputs.toFile());
        err.getBuffer().setLength(0);
        assertThat(run("predict", run.toString(), "--input", inputs.toString(), "--output", dir.toString())).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("cannot write " + dir + ": it is a directory");
        err.getBuffer().setLength(0);
        assertThat(run("predict", run.toString(), "--input", inputs.toString(), "--output", dir.resolve("no/such/dir/c.npy").toString()))
                .isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("its directory does not exist");
    }

    @Test
    void exportRefusesADirectoryWithoutAModelAndAnUnknownFormat() throws Exception {
        var empty = Files.createDirectories(dir.resolve("runs/empty"));
        assertThat(run("export", empty.toString(), "--format", "sparse")).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains(empty + " has no model-final.zip").doesNotContain("\tat ");
        assertThat(run("export", empty.toString(), "--format", "tflite")).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("unknown export format 'tflite'; choose dl4j, onnx, npy or sparse");
    }

    @Test
    void exportOnnxIsAShorthandForTheFormatAndAContradictionOrNoFormatIsRefused() throws Exception {
        var run = Files.createDirectories(dir.resolve("runs/onnx-1"));
        var net = Architecture.LENET_300_100.network(7L, 1e-3);
        ModelFiles.save(net, run.resolve("model-final.zip"));
        assertThat(run("export", run.toString(), "--onnx")).as(err.toString()).isEqualTo(Main.OK);
        assertThat(out.toString()).contains("ONNX model: " + run.resolve("export/model.onnx")
                        + " (opset 13, input 'input' [N, 784], output 'output' [N, 10])")
                .containsPattern("parameters 266,610; file [0-9,]+ bytes");
        byte[] shorthand = Files.readAllBytes(run.resolve("export/model.onnx"));
        assertThat(run("export", run.toString(), "--format", "onnx", "--onnx", "--out", dir.resolve("both").toString()))
                .as(err.toString()).isEqualTo(Main.OK);
        assertThat(Files.readAllBytes(dir.resolve("both/model.onnx"))).isEqualTo(shorthand);

        assertThat(run("export", run.toString(), "--onnx", "--format", "dl4j")).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("--onnx and --format dl4j ask for two formats; give one of them").doesNotContain("\tat ");
        assertThat(run("export", run.toString())).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("export needs a format: --format dl4j|onnx|npy|sparse, or --onnx");
    }
}
