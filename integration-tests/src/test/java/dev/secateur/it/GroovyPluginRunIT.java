package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/secateur run} loads Groovy source plugins from --plugins-dir too, without a server. */
class GroovyPluginRunIT {

    @TempDir
    Path work;

    @Test
    void aGeneratedGroovyCriterionRunsAndABrokenSourceIsNamedWithItsLineWhileTheOthersLoad() throws Exception {
        var plugins = Files.createDirectories(work.resolve("plugins"));
        var made = Cli.run(work, "new-plugin", "saliency", "my-groovy", "--groovy", "--dir", plugins.toString());
        assertThat(made.exit()).as(made.err()).isZero();
        Files.writeString(plugins.resolve("broken.groovy"), "class Broken implements SaliencyMethod {\n    String id() { 'broken' \n}\n");
        var script = Cli.script(work, "mine.groovy", """
                run(experiment('groovy-criterion') {
                    seed 3
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 1000, test: 300)
                    saliency 'my-groovy'
                    schedule 'one-shot', target: 0.7
                    finetune epochs: 0
                    evaluate latencyRepeats: 2, latencyWarmup: 1, largeBatch: 0
                })
                """);
        var runs = work.resolve("runs");
        var result = Cli.run(work, "run", script.toString(), "--plugins-dir", plugins.toString(), "--runs-dir", runs.toString(),
                "--no-progress");
        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.err()).containsPattern("broken\\.groovy:\\d+:\\d+: ");
        Path dir;
        try (Stream<Path> dirs = Files.list(runs)) {
            dir = dirs.findFirst().orElseThrow();
        }
        List<String> rows = Files.readAllLines(dir.resolve("results.csv"));
        int saliency = List.of(rows.get(0).split(",")).indexOf("saliency");
        assertThat(rows.get(rows.size() - 1)).startsWith("1,0.7");
        assertThat(rows.get(rows.size() - 1).split(",", -1)[saliency]).isEqualTo("my-groovy");
        var spec = new ObjectMapper().readTree(dir.resolve("spec.json").toFile());
        assertThat(spec.path("saliency").path("version").asText()).startsWith("groovy-");
        assertThat(spec.path("plugins").path("saliency:my-groovy").path("file").asText()).endsWith("my-groovy.groovy");
    }

    /**
     * Exit code 1 is a run that failed through no fault of the user's input: here a criterion that passes its
     * smoke test (a 6×4 parameter) but returns a flat vector for a real layer, which breaks the SPI's contract.
     */
    @Test
    void aCriterionThatBreaksItsContractMidRunFailsTheRunWithExitCode1() throws Exception {
        var plugins = Cli.criterion(work, "flat-scores", "return scores.reshape(param.weights().length())");
        var script = Cli.script(work, "broken-contract.groovy", """
                run(experiment('broken-contract') {
                    seed 3
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 500, test: 200)
                    saliency 'flat-scores'
                    schedule 'one-shot', target: 0.5
                    finetune epochs: 0
                    evaluate latencyRepeats: 2, latencyWarmup: 1, largeBatch: 0
                })
                println 'not reached'
                """);
        var runs = work.resolve("runs");
        var result = Cli.run(work, "run", script.toString(), "--plugins-dir", plugins.toString(), "--runs-dir", runs.toString(),
                "--no-progress");
        assertThat(result.exit()).as(result.err()).isEqualTo(1);
        // (bin/secateur says so first when it has to build the application after a source change)
        assertThat(result.err().lines().filter(line -> !line.startsWith("secateur: building the application")).toList())
                .singleElement().asString()
                .startsWith("secateur: error: " + script + ":").contains("'flat-scores'").contains("0_W").contains("expected shape [784, 300]");
        assertThat(result.out()).doesNotContain("not reached");
        Path dir;
        try (Stream<Path> dirs = Files.list(runs)) {
            dir = dirs.findFirst().orElseThrow();
        }
        assertThat(dir.resolve("FAILED")).content().contains("flat-scores").contains("0_W");
        var events = Files.readAllLines(dir.resolve("events.jsonl"));
        assertThat(events.get(events.size() - 1)).contains("\"event\":\"failed\"").contains("flat-scores");
        assertThat(dir.resolve("results.csv")).content().contains("\n0,");
    }
}
