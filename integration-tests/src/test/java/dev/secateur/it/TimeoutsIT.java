package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Timeouts that stop the work: the run is marked failed with the setting to raise, and the stage serves the next job. */
class TimeoutsIT {

    @TempDir
    Path work;

    private static final String SLOW = """
            run(experiment('slow') {
                model { train 'lenet-300-100', epochs: 200 }
                data fashionMnist(source: 'embedded', train: 2000, test: 200)
                schedule 'one-shot', target: 0.5
            })
            """;

    private Path runDir(String prefix) throws Exception {
        try (Stream<Path> dirs = Files.list(work.resolve("runs"))) {
            return dirs.filter(d -> d.getFileName().toString().startsWith(prefix)).findFirst().orElseThrow();
        }
    }

    @Test
    void aStageTimeoutStopsTheTrainingAndTheNextExperimentRuns() throws Exception {
        var config = Files.writeString(work.resolve("short.json"), "{\"timeoutSeconds\": {\"finetuner\": 2}}");
        var script = Cli.script(work, "two.groovy", """
                try {
                %s
                } catch (e) {
                    println "first: ${e.message}"
                }
                def quick = run(experiment('quick') {
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 500, test: 200)
                    schedule 'one-shot', target: 0.5
                    finetune epochs: 0
                })
                println "second: ${quick.sparsity}"
                """.formatted(SLOW));
        long start = System.nanoTime();
        var result = Cli.run(work, "run", script.toString(), "--config", config.toString(), "--runs-dir", "runs", "--no-progress");
        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).contains("first: ").contains("the finetuner did not finish within 2 s and was stopped; raise "
                + "timeoutSeconds.finetuner").contains("second: 0.5");
        // 200 epochs would take minutes; the whole script, two JVM-free runs and all, takes seconds
        assertThat(System.nanoTime() - start).isLessThan(90_000_000_000L);
        var slow = runDir("slow-");
        assertThat(slow.resolve("FAILED")).content().startsWith("TIMEOUT: ").contains("timeoutSeconds.finetuner");
        var events = Files.readAllLines(slow.resolve("events.jsonl"));
        assertThat(events.get(events.size() - 1)).contains("\"event\":\"failed\"").contains("\"code\":\"TIMEOUT\"");
        assertThat(runDir("quick-").resolve("model-final.zip")).exists();
        assertThat(result.err()).doesNotContain("blocked").doesNotContain("\tat ");
    }

    @Test
    void theExperimentTimeoutMarksTheRunFailedWithTheSettingToRaise() throws Exception {
        var config = Files.writeString(work.resolve("short.json"), "{\"timeoutSeconds\": {\"experiment\": 3}}");
        var script = Cli.script(work, "slow.groovy", SLOW);
        var result = Cli.run(work, "run", script.toString(), "--config", config.toString(), "--runs-dir", "runs", "--no-progress");
        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.errLines()).singleElement().asString().startsWith("secateur: error: " + script + ":1: ")
                .contains("did not finish within 3 s and was stopped; raise timeoutSeconds.experiment");
        var slow = runDir("slow-");
        assertThat(slow.resolve("FAILED")).content().startsWith("TIMEOUT: ").contains("timeoutSeconds.experiment");
        assertThat(Files.readAllLines(slow.resolve("events.jsonl")).stream().map(l -> l.contains("\"event\":\"failed\"")).toList())
                .contains(true);
        assertThat(List.of(slow.resolve("model-final.zip"))).allSatisfy(p -> assertThat(p).doesNotExist());
    }

    @Test
    void aCriterionThatNeverReturnsIsStoppedByTheScorerTimeoutAndTheStageServesTheNextRun() throws Exception {
        var plugins = Cli.criterion(work, "hangs", "while (true) { }");
        var config = Files.writeString(work.resolve("scorer.json"), "{\"timeoutSeconds\": {\"scorer\": 3}}");
        var script = Cli.script(work, "hang.groovy", """
                try {
                    run(experiment('hang') {
                        model { train 'lenet-300-100', epochs: 1 }
                        data fashionMnist(source: 'embedded', train: 300, test: 100)
                        saliency 'hangs'
                        schedule 'one-shot', target: 0.5
                        finetune epochs: 0
                    })
                } catch (e) {
                    println "first: ${e.message}"
                }
                def after = run(experiment('after') {
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 300, test: 100)
                    schedule 'one-shot', target: 0.5
                    finetune epochs: 0
                })
                println "second: ${after.sparsity}"
                """);
        var result = Cli.run(work, "run", script.toString(), "--plugins-dir", plugins.toString(), "--config", config.toString(),
                "--runs-dir", "runs", "--no-progress");
        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).contains("first: the scorer did not finish within 3 s and was stopped; raise timeoutSeconds.scorer")
                .contains("second: 0.5");
        assertThat(runDir("hang-").resolve("FAILED")).content().startsWith("TIMEOUT: ");
    }
}
