package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.CiAssumptions;
import dev.secateur.model.ModelFiles;
import dev.secateur.model.Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * gpt-tiny as a user runs it: trained on real text from a Debian package (the Python 3.11 tutorial's sources in
 * python3.11-doc), then pruned one-shot by SparseGPT at 2:4 and Wanda at 50% through bin/secateur, and its report
 * opened in a browser.
 */
class LanguageModelIT {

    private static final Path CORPUS = Path.of("/usr/share/doc/python3.11/html/_sources/tutorial");

    @TempDir
    Path work;

    @Test
    void aTinyTransformerTrainsOnRealTextAndSparseGptAndWandaPruneEveryLinearLayerOfItsBlocks() throws Exception {
        if (!Files.isDirectory(CORPUS)) {
            CiAssumptions.skipOutsideCi("the example corpus is not installed; apt-get install python3.11-doc");
        }
        var script = Files.writeString(work.resolve("lm.groovy"), """
                def corpus = text('%s', include: '*.txt', context: 32, test: 120)
                def dense = run(baseline('lm-dense') {
                    seed 3
                    model { train 'gpt-tiny', layers: 1, dModel: 32, heads: 2, mlp: 64, epochs: 1, batch: 16, lr: 3e-3 }
                    data corpus
                })
                for (method in ['sparsegpt', 'wanda']) {
                    def m = method
                    run(experiment("lm-${m}") {
                        seed 3
                        model { load "${dense.runDir}/model-final.zip" }
                        data corpus
                        saliency m
                        calibration samples: 32
                        granularity(m == 'sparsegpt' ? nm(2, 4) : unstructured(perOutput: true))
                        scope layerwise()
                        schedule 'one-shot', target: 0.5
                        finetune epochs: 1, lr: 1e-3
                        control true
                        evaluate latencyWarmup: 1, latencyRepeats: 3, largeBatch: 4
                    })
                }
                // one of block 0's two heads, chosen by the oracle and removed physically
                run(experiment('lm-heads') {
                    seed 3
                    model { load "${dense.runDir}/model-final.zip" }
                    data corpus
                    saliency 'oracle'
                    calibration samples: 16
                    granularity neurons()
                    scope perLayer('2_W': 0.5)
                    schedule 'one-shot'
                    finetune epochs: 0
                    evaluate latencyWarmup: 1, latencyRepeats: 3, largeBatch: 4
                })
                """.formatted(CORPUS));
        var result = Cli.run(work, "run", script.toString(), "--runs-dir", "runs", "--no-progress");
        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).contains("perplexity");

        var json = new ObjectMapper();
        Map<String, Path> dirs;
        try (Stream<Path> runs = Files.list(work.resolve("runs"))) {
            dirs = runs.collect(Collectors.toMap(d -> d.getFileName().toString().replaceAll("-\\d{8}-\\d{6}-[0-9a-f]+$", ""), d -> d));
        }
        assertThat(dirs).containsOnlyKeys("lm-dense", "lm-sparsegpt", "lm-wanda", "lm-heads");
        for (var entry : dirs.entrySet()) {
            var rows = Files.readAllLines(entry.getValue().resolve("results.csv"));
            List<String> header = List.of(rows.get(0).split(","));
            assertThat(header.get(header.size() - 1)).isEqualTo("control_perplexity");
            for (var row : rows.subList(1, rows.size())) {
                String[] cells = row.split(",", -1);
                double loss = Double.parseDouble(cells[header.indexOf("loss")]);
                double perplexity = Double.parseDouble(cells[header.indexOf("perplexity")]);
                assertThat(perplexity).isCloseTo(Math.exp(loss), within(1e-3 * perplexity));
                // far below a model that knows nothing (256), after a minute of training
                assertThat(perplexity).isLessThan(40);
                String control = cells[header.indexOf("control_perplexity")];
                if (List.of("lm-sparsegpt", "lm-wanda").contains(entry.getKey())) {
                    // step 0's control is the dense model; then the dense control retrained on the same tokens
                    boolean dense = cells[0].equals("0");
                    assertThat(Double.parseDouble(control)).as(row).isLessThan(40)
                            .satisfies(c -> assertThat(c == perplexity).isEqualTo(dense));
                } else {
                    assertThat(control).as("no control in " + entry.getKey()).isEmpty();
                }
            }
            var dir = entry.getValue();
            var spec = json.readTree(dir.resolve("spec.json").toFile());
            try (Stream<Path> files = Files.list(CORPUS)) {
                assertThat(spec.path("data").path("files")).hasSize((int) files.filter(f -> f.toString().endsWith(".txt")).count());
            }
            assertThat(spec.path("data").path("files").get(0).path("sha256").asText()).hasSize(64);
            assertThat(spec.path("data").path("shape").toString()).isEqualTo("[32]");
        }

        // SparseGPT at 2:4 held through the fine-tuning: two of every four inputs of every output of every block layer
        Network pruned = ModelFiles.load(dirs.get("lm-sparsegpt").resolve("model-final.zip"));
        for (String part : List.of("q", "k", "v", "proj", "up", "down")) {
            var w = pruned.getParam("block0." + part + "_W").toFloatMatrix(); // [in, out]
            for (int out = 0; out < w[0].length; out++) {
                for (int group = 0; group < w.length; group += 4) {
                    int zeros = 0;
                    for (int in = group; in < group + 4; in++) {
                        zeros += w[in][out] == 0f ? 1 : 0;
                    }
                    assertThat(zeros).as("block0.%s output %d inputs %d..%d", part, out, group, group + 3).isGreaterThanOrEqualTo(2);
                }
            }
        }
        // the embeddings and the head are left alone
        for (String kept : List.of("embedding_W", "embedding_P", "head_W")) {
            float[] values = pruned.getParam(kept).dup().reshape(-1).toFloatVector();
            int zeros = 0;
            for (float v : values) {
                zeros += v == 0f ? 1 : 0;
            }
            assertThat(zeros).as("exact zeros in %s", kept).isZero();
        }
        assertThat(dirs.get("lm-sparsegpt").resolve("masks/step-1")).isDirectory();

        // the oracle removed one head of block 0: its query, key and value lose 16 columns, its projection 16 rows
        Network heads = ModelFiles.load(dirs.get("lm-heads").resolve("model-final.zip"));
        for (String part : List.of("q", "k", "v")) {
            assertThat(heads.getParam("block0." + part + "_W").shape()).containsExactly(32, 16);
        }
        assertThat(heads.getParam("block0.proj_W").shape()).containsExactly(16, 32);
        assertThat(heads.getParam("block0.up_W").shape()).containsExactly(32, 64);
        assertThat(Files.readString(dirs.get("lm-heads").resolve("explain-plan.txt")))
                .contains("2 attention heads of 16 channels").contains("remove 50%: keep 1 of 2");
        assertThat(Files.readString(dirs.get("lm-heads").resolve("removal.csv"))).contains("latency_ms,1,").contains("latency_ms,16,");

        // report.html draws perplexity against sparsity
        try (var browser = Browser.start()) {
            browser.openReport(dirs.get("lm-wanda"), work.resolve("alone"));
            browser.waiting(Duration.ofSeconds(20))
                    .until(d -> !d.findElements(By.cssSelector("#chart-perplexity-sparsity canvas")).isEmpty());
            assertThat(browser.hasDrawnCanvas("#chart-perplexity-sparsity")).isTrue();
            assertThat(browser.one("#chart-perplexity-sparsity").getAttribute("data-points")).isEqualTo("2");
            assertThat(browser.text("#summary td.perplexity")).matches("\\d+\\.\\d{3}");
            assertThat(browser.consoleWarnings()).as("the browser console").isEmpty();
        }
    }

    @Test
    void aLanguageModelRunStoppedAfterItsFirstStepResumesToWhereAnUninterruptedRunEnds() throws Exception {
        if (!Files.isDirectory(CORPUS)) {
            CiAssumptions.skipOutsideCi("the example corpus is not installed; apt-get install python3.11-doc");
        }
        var script = Files.writeString(work.resolve("resume.groovy"), """
                run(experiment('lm-resume') {
                    seed 4
                    model { train 'gpt-tiny', layers: 1, dModel: 32, heads: 2, mlp: 64, epochs: 1, batch: 16, lr: 3e-3 }
                    data text('%s', include: '*.txt', context: 32, train: 800, test: 64)
                    saliency 'magnitude'
                    schedule 'iterative', target: 0.6, steps: 3
                    finetune epochs: 2, lr: 1e-3
                    evaluate latencyRepeats: 2, latencyWarmup: 1, largeBatch: 0
                })
                """.formatted(CORPUS));
        var reference = Cli.run(work, "run", script.toString(), "--runs-dir", "reference", "--no-progress");
        assertThat(reference.exit()).as(reference.err()).isZero();

        // stopped (SIGTERM) once the first step is recorded, then resumed from its checkpoint
        var stoppedRuns = work.resolve("stopped");
        var process = Cli.start(work, "run", script.toString(), "--runs-dir", stoppedRuns.toString(), "--no-progress");
        CrashResumeIT.drain(process);
        CrashResumeIT.awaitPoint(process, stoppedRuns, "step-completed 2");
        process.destroy();
        process.waitFor(1, TimeUnit.MINUTES);
        try (Stream<Path> stopped = Files.list(stoppedRuns)) {
            assertThat(stopped.filter(d -> Files.exists(d.resolve("model-final.zip"))))
                    .as("the run was stopped before it finished").isEmpty();
        }
        var resumed = Cli.run(work, "run", script.toString(), "--runs-dir", stoppedRuns.toString(), "--no-progress", "--resume");
        assertThat(resumed.exit()).as(resumed.err()).isZero();

        Path done = CrashResumeIT.completedRun(stoppedRuns);
        Path uninterrupted = CrashResumeIT.completedRun(work.resolve("reference"));
        // every column that is not a timing: steps, sparsity, accuracy, loss, counts, FLOPs and perplexity
        List<String> header = List.of(Files.readAllLines(done.resolve("results.csv")).get(0).split(","));
        var timings = Set.of("latency_ms", "finetune_examples_per_s", "large_batch_latency_ms");
        var expected = Files.readAllLines(uninterrupted.resolve("results.csv"));
        var actual = Files.readAllLines(done.resolve("results.csv"));
        assertThat(actual).hasSameSizeAs(expected).hasSize(5);
        for (int row = 0; row < expected.size(); row++) {
            String[] want = expected.get(row).split(",", -1);
            String[] got = actual.get(row).split(",", -1);
            for (int c = 0; c < header.size(); c++) {
                if (!timings.contains(header.get(c))) {
                    assertThat(got[c]).as("row %d, %s", row, header.get(c)).isEqualTo(want[c]);
                }
            }
        }
        assertThat(ModelFiles.load(done.resolve("model-final.zip")).params())
                .isEqualTo(ModelFiles.load(uninterrupted.resolve("model-final.zip")).params());
    }
}
