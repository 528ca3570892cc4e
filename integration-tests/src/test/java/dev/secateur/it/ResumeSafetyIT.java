package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.CiAssumptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a resume must not do, through bin/secateur in real processes: go on with data that changed since the
 * run started (unless told to, and then it is recorded), or go on twice when two resumes start together.
 */
class ResumeSafetyIT {

    private static final Path INSTALLED = Path.of("/usr/share/datasets/fashion-mnist");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;
    private static Path data;
    private static Path script;

    @BeforeAll
    static void dataOfItsOwn() throws IOException {
        if (!Files.isDirectory(INSTALLED)) {
            CiAssumptions.skipOutsideCi("the full Fashion-MNIST is not installed; apt-get install dataset-fashion-mnist");
        }
        data = Files.createDirectories(work.resolve("data"));
        try (Stream<Path> files = Files.list(INSTALLED)) {
            for (var file : files.toList()) {
                Files.copy(file, data.resolve(file.getFileName()));
            }
        }
        script = Cli.script(work, "resumable.groovy", """
                run(experiment('resumable') {
                    seed 5
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(dir: '%s', train: 2000, test: 500)
                    schedule 'iterative', target: 0.8, steps: 3
                    finetune epochs: 3
                    evaluate latencyRepeats: 2, latencyWarmup: 1, largeBatch: 0
                })
                """.formatted(data));
    }

    /** A run stopped with SIGTERM after its first checkpoint: marked INTERRUPTED, and resumable. */
    private static Path interruptedRun(String name) throws Exception {
        var runs = work.resolve(name);
        var process = Cli.builder(work, "run", script.toString(), "--runs-dir", runs.toString(), "--no-progress")
                .redirectOutput(work.resolve(name + ".out").toFile())
                .redirectError(work.resolve(name + ".err").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        Path dir = null;
        while (System.nanoTime() < deadline && process.isAlive()) {
            if (Files.isDirectory(runs)) {
                try (Stream<Path> dirs = Files.list(runs)) {
                    dir = dirs.filter(d -> Files.exists(d.resolve("checkpoints/step-1.json"))).findFirst().orElse(null);
                }
            }
            if (dir != null) {
                break;
            }
            Thread.sleep(20);
        }
        assertThat(dir).as("a run with its first pruning step's checkpoint").isNotNull();
        process.destroy(); // SIGTERM
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(dir.resolve("INTERRUPTED")).as(Files.readString(work.resolve(name + ".err"))).exists();
        return dir;
    }

    @Test
    void aResumeWhoseDataChangedIsRefusedNamingBothDigestsUntilTheChangeIsAccepted() throws Exception {
        var dir = interruptedRun("changed");
        byte[] spec = Files.readAllBytes(dir.resolve("spec.json"));
        String recorded = JSON.readTree(spec).path("data").path("sha256").asText();
        // other data in the same files, as installing the full data over a subset would give
        swapTrainAndTest();
        try {
            var refused = Cli.run(work, "resume", dir.toString(), "--no-progress");
            assertThat(refused.exit()).as(refused.err()).isEqualTo(2);
            assertThat(refused.err()).contains("run " + dir.getFileName() + " cannot resume")
                    .contains("data: spec.json has sha256 " + recorded).contains("--accept-changes");
            assertThat(Files.readAllBytes(dir.resolve("spec.json"))).as("spec.json untouched").isEqualTo(spec);
            assertThat(dir.resolve("INTERRUPTED")).as("still resumable as it was").exists();

            var accepted = Cli.run(work, "resume", dir.toString(), "--accept-changes", "--no-progress");
            assertThat(accepted.exit()).as(accepted.err()).isZero();
            var changes = JSON.readTree(dir.resolve("spec.json").toFile()).path("acceptedChanges");
            assertThat(changes).hasSize(1);
            assertThat(changes.get(0).path("changes").get(0).path("what").asText()).isEqualTo("data");
            assertThat(changes.get(0).path("changes").get(0).path("recorded").asText()).contains(recorded);
            assertThat(dir.resolve("model-final.zip")).exists();
        } finally {
            swapTrainAndTest();
        }
    }

    /** Train and test change places: files that load as well as before, with other bytes in them. */
    private static void swapTrainAndTest() throws IOException {
        for (String kind : new String[]{"images-idx3", "labels-idx1"}) {
            var swap = data.resolve("swap");
            Files.move(data.resolve("train-" + kind + "-ubyte.gz"), swap);
            Files.move(data.resolve("t10k-" + kind + "-ubyte.gz"), data.resolve("train-" + kind + "-ubyte.gz"));
            Files.move(swap, data.resolve("t10k-" + kind + "-ubyte.gz"));
        }
    }

    @Test
    void ofTwoResumesStartedTogetherExactlyOneGoesOn() throws Exception {
        var dir = interruptedRun("twice");
        var first = resume(dir, "first");
        var second = resume(dir, "second");
        var results = List.of(finish(first, "first"), finish(second, "second"));
        assertThat(results).filteredOn(r -> r.exit() == 0).as("%s", results).hasSize(1);
        var loser = results.stream().filter(r -> r.exit() != 0).findFirst().orElseThrow();
        assertThat(loser.exit()).as(loser.err()).isEqualTo(2);
        // "another process" when the loser looked between the winner taking the lock and writing its pid into LOCK
        assertThat(loser.err()).containsPattern("run " + dir.getFileName()
                + " (is running in process \\d+|is running in another process|finished; there is nothing to resume)");
        assertThat(dir.resolve("model-final.zip")).exists();
        assertThat(dir.resolve("FAILED")).as("the refused resume left no mark").doesNotExist();
        var resumedEvents = Files.readAllLines(dir.resolve("events.jsonl")).stream().filter(l -> l.contains("\"event\":\"resumed\"")).count();
        assertThat(resumedEvents).as("one resume went on").isEqualTo(1);
    }

    private static Process resume(Path dir, String name) throws IOException {
        return Cli.builder(work, "resume", dir.toString(), "--no-progress")
                .redirectOutput(work.resolve(name + ".out").toFile()).redirectError(work.resolve(name + ".err").toFile()).start();
    }

    private static Cli.Result finish(Process process, String name) throws Exception {
        assertThat(process.waitFor(4, TimeUnit.MINUTES)).isTrue();
        return new Cli.Result(process.exitValue(), Files.readString(work.resolve(name + ".out")), Files.readString(work.resolve(name + ".err")));
    }
}
