package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.assertj.core.api.Assertions;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Controls, rewinding, distillation, channel rounding and the validation split through the real command line:
 * what a script declares reaches results.csv, the console, table() and spec.json, a killed run resumes with
 * its control, teacher and rewind point, and bad declarations are refused at the script's line. The dense
 * training decays its rate along a cosine, which rewinding replays at every step.
 */
class RecoveryIT {

    private static final String EXPERIMENT = """
            def base = experiment('recover') {
                seed 9
                model { train 'lenet-300-100', epochs: 1, decay: 'cosine' }
                data fashionMnist(source: 'embedded', train: 1500, test: 400)
                schedule 'iterative', target: 0.8, steps: 3
                finetune epochs: 1, lr: 5e-4
                evaluate latencyRepeats: 2, latencyWarmup: 1, largeBatch: 0
                control true
                %s
            }
            """;

    @TempDir
    Path work;

    private static List<String> csv(Path runDir) throws IOException {
        return Files.readAllLines(runDir.resolve("results.csv"));
    }

    private static Path onlyRun(Path runs) throws IOException {
        try (Stream<Path> dirs = Files.list(runs)) {
            return dirs.filter(Files::isDirectory).findFirst().orElseThrow();
        }
    }

    @Test
    void aControlledRunWritesTheControlColumnsPrintsThemAndTablesThem() throws Exception {
        var script = Cli.script(work, "controlled.groovy", EXPERIMENT.formatted("rewind 'lr'; distill temperature: 2, weight: 0.3") + """
                def r = run(base)
                println table([r])
                println "vs control: " + r.accuracyVsControl
                """);
        var result = Cli.run(work, "run", script.toString(), "--runs-dir", "runs", "--no-progress");
        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).contains("step 3/3: sparsity 80.00%").contains(", control ")
                .contains("control:").contains("the dense model retrained on 4,500 examples; the pruned model retrained on 4,500")
                .contains("control accuracy").contains("vs control (points)").contains("vs control: ");

        var rows = csv(onlyRun(work.resolve("runs")));
        assertThat(rows.get(0)).endsWith(",saliency,control_accuracy,accuracy_vs_control,perplexity,control_perplexity");
        assertThat(rows).hasSize(5);
        for (var row : rows.subList(1, rows.size())) {
            var cells = row.split(",", -1);
            double accuracy = Double.parseDouble(cells[3]);
            double control = Double.parseDouble(cells[cells.length - 4]);
            assertThat(control).as(row).isBetween(0.3, 1.0);
            assertThat(Double.parseDouble(cells[cells.length - 3])).as(row).isCloseTo(accuracy - control,
                    Assertions.within(2e-6));
            assertThat(cells[cells.length - 2]).as("a classifier has no perplexity").isEmpty();
            assertThat(cells[cells.length - 1]).as("nor has its control").isEmpty();
        }
        var spec = Files.readString(onlyRun(work.resolve("runs")).resolve("spec.json"));
        assertThat(spec).contains("\"control\" : true").contains("\"kind\" : \"lr\"").contains("\"weight\" : 0.3")
                .contains("\"decay\" : \"cosine\"");
    }

    @Test
    void aKilledRunWithControlTeacherAndRewindPointResumesToTheSameRows() throws Exception {
        var text = EXPERIMENT.formatted("rewind 'weights', iteration: 10; distill temperature: 2, weight: 0.5") + "run(base)\n";
        var script = Cli.script(work, "resumable.groovy", text);
        var reference = Cli.run(work, "run", script.toString(), "--runs-dir", "reference", "--no-progress");
        assertThat(reference.exit()).as(reference.err()).isZero();

        // killed (SIGKILL) as soon as its first step's checkpoint is committed
        var killedRuns = work.resolve("killed");
        var killed = Cli.start(work, "run", script.toString(), "--runs-dir", killedRuns.toString(), "--no-progress");
        new Thread(() -> {
            try {
                killed.getInputStream().transferTo(OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // the process was killed
            }
        }).start();
        Awaitility.await().atMost(3, TimeUnit.MINUTES).pollInterval(20, TimeUnit.MILLISECONDS)
                .until(() -> !killed.isAlive() || committed(killedRuns, 1));
        killed.destroyForcibly();
        killed.waitFor(1, TimeUnit.MINUTES);
        var dir = onlyRun(killedRuns);
        var checkpoint = dir.resolve("checkpoints/step-1");
        assertThat(dir.resolve("model-final.zip")).as("the kill landed before the run finished").doesNotExist();
        assertThat(checkpoint.resolve("control.zip")).exists();
        assertThat(checkpoint.resolve("teacher.zip")).exists();
        assertThat(checkpoint.resolve("rewind.zip")).exists();

        var resumed = Cli.run(work, "run", script.toString(), "--runs-dir", killedRuns.toString(), "--no-progress", "--resume");
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(determined(csv(dir))).isEqualTo(determined(csv(onlyRun(work.resolve("reference")))));
    }

    /** Whether the run under {@code runs} has committed its checkpoint of {@code step}. */
    private static boolean committed(Path runs, int step) throws IOException {
        if (!Files.isDirectory(runs)) {
            return false;
        }
        try (Stream<Path> dirs = Files.list(runs)) {
            return dirs.anyMatch(dir -> Files.exists(dir.resolve("checkpoints/step-" + step + ".json")));
        }
    }

    /** results.csv without the timing columns (latency, throughput), which no two runs share. */
    private static List<String> determined(List<String> rows) {
        return rows.stream().map(row -> {
            var cells = row.split(",", -1);
            return String.join(",", cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7], cells[8],
                    cells[13], cells[14], cells[15]);
        }).toList();
    }

    @Test
    void roundToAndAValidationSplitReachTheRun() throws Exception {
        var script = Cli.script(work, "rounded.groovy", """
                def r = run(experiment('rounded') {
                    seed 4
                    model { train 'lenet-5', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 600, test: 200, validation: 300)
                    granularity filters(round_to: 8)
                    scope layerwise()
                    schedule 'one-shot', target: 0.4
                    finetune epochs: 0
                    evaluate latencyRepeats: 2, latencyWarmup: 1, largeBatch: 0
                })
                """);
        var result = Cli.run(work, "plan", script.toString());
        assertThat(result.exit()).as(result.err()).isZero();
        var run = Cli.run(work, "run", script.toString(), "--runs-dir", "runs", "--no-progress");
        assertThat(run.exit()).as(run.err()).isZero();
        var dir = onlyRun(work.resolve("runs"));
        var spec = Files.readString(dir.resolve("spec.json"));
        assertThat(spec).contains("held out of the training split (the test split is not read)").contains("\"validation\" : 300")
                .contains("structured-l1-round8");
        // LeNet-5's first convolution has 20 filters: 40% pruned keeps 12, rounded up to 16
        assertThat(result.out()).contains("keep 16 of 20 (kept count rounded up to a multiple of 8)")
                .contains("after each step: fine-tuning");
    }

    @Test
    void badRecoveryDeclarationsAreRefusedAtTheirLine() throws Exception {
        var script = Cli.script(work, "bad.groovy", """
                run(experiment('bad') {
                    model { load 'nowhere.zip' }
                    schedule 'one-shot', target: 0.5
                    rewind 'weights', iteration: 3
                })
                """);
        var result = Cli.run(work, "run", script.toString(), "--runs-dir", "runs", "--no-progress");
        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("must be trained in this experiment").contains("bad.groovy");

        var typo = Cli.script(work, "typo.groovy", """
                run(experiment('typo') {
                    model { train 'lenet-300-100', epochs: 1 }
                    schedule 'one-shot', target: 0.5
                    distill temprature: 3
                })
                """);
        var refused = Cli.run(work, "run", typo.toString(), "--runs-dir", "runs", "--no-progress");
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).contains("temprature").contains("typo.groovy:4");
    }
}
