package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault-injection harness: a run killed (SIGKILL) or stopped (SIGTERM) at seeded random moments, then
 * resumed, must end exactly where an uninterrupted run ends (rows, masks, weights and updater state, byte for
 * byte), and no committed checkpoint may ever be torn. A full disk fails a run cleanly.
 */
class CrashResumeIT {

    private static final String SCRIPT = """
            run(experiment('crash') {
                seed 5
                model { train 'lenet-300-100', epochs: 1 }
                data fashionMnist(source: 'embedded', train: 2000, test: 500)
                schedule 'iterative', target: 0.8, steps: 3
                finetune epochs: 3
                evaluate latencyRepeats: 2, latencyWarmup: 1, largeBatch: 0
            })
            """;
    /** results.csv without the columns that are timings (latency, throughput), which no two runs share. */
    private static final int[] DETERMINED = {0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 13};

    @TempDir
    static Path work;
    private static Path script;
    private static Finished reference;
    /** When the reference run printed its run directory, and when it ended, from its start. */
    private static long openedMs;
    private static long endedMs;

    /** What a finished run leaves that must not depend on whether it was interrupted. */
    private record Finished(List<String> rows, Map<String, byte[]> masks, byte[] weights, byte[] updater) {
    }

    @BeforeAll
    static void referenceRun() throws Exception {
        script = Cli.script(work, "crash.groovy", SCRIPT);
        long start = System.nanoTime();
        var process = Cli.start(work, "run", script.toString(), "--runs-dir", "reference", "--no-progress");
        var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.contains("  -> ") && openedMs == 0) {
                openedMs = (System.nanoTime() - start) / 1_000_000;
            }
        }
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        endedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(process.exitValue()).as(new String(process.getErrorStream().readAllBytes())).isZero();
        reference = finished(onlyRun(work.resolve("reference")));
    }

    @Test
    void killedWithSigkillAtTenSeededMomentsEveryResumedRunEqualsTheUninterruptedOne() throws Exception {
        var random = new Random(20261129L);
        var hit = new TreeMap<String, Integer>();
        // each kill waits for a point of the run, then a seeded delay, so every stage is hit however fast the machine is:
        // the directory (loading, baseline), the baseline's progress, each step's end (the next step's scoring, pruning,
        // fine-tuning), and the last step's end (the model, the report)
        String[] after = {"directory", "progress", "step-completed 1", "step-completed 2", "step-completed 3", "step-completed 4"};
        for (int i = 0; i < 10; i++) {
            String point = after[i % after.length];
            long delay = (long) (random.nextDouble() * 900);
            var runs = work.resolve("kill-" + i);
            var process = Cli.start(work, "run", script.toString(), "--runs-dir", runs.toString(), "--no-progress");
            drain(process);
            awaitPoint(process, runs, point);
            boolean ended = process.waitFor(delay, TimeUnit.MILLISECONDS);
            if (!ended) {
                process.destroyForcibly(); // SIGKILL: no hook, no marker, nothing flushed
                process.waitFor(1, TimeUnit.MINUTES);
            }
            hit.merge(stage(runs, ended), 1, Integer::sum);
            assertCheckpointsWhole(runs);

            var resumed = Cli.run(work, "run", script.toString(), "--runs-dir", runs.toString(), "--no-progress", "--resume");
            assertThat(resumed.exit()).as("kill %d, %d ms after %s: %s", i, delay, point, resumed.err()).isZero();
            assertThat(finished(completedRun(runs))).as("kill %d, %d ms after %s", i, delay, point)
                    .satisfies(CrashResumeIT::equalsReference);
        }
        // where the kills landed is printed with the test's output
        System.out.println("CrashResumeIT kills by stage: " + hit);
        assertThat(hit.keySet()).hasSizeGreaterThanOrEqualTo(5);
    }

    @Test
    void resumingByDirectoryReusesTheFinishedExperimentsOfAScriptWhoseRunsLoadAnEarlierRunsModel() throws Exception {
        // flops-half.groovy's shape: the seeds load dense.runDir's model. The script runs with a relative runs
        // directory; bin/secateur resume hands it absolute ones, and the finished seed must still count as finished
        var chain = Cli.script(work, "chain.groovy", """
                def subset = fashionMnist(source: 'embedded', train: 2000, test: 500)
                def dense = run(baseline('chain-dense') { seed 5; model { train 'lenet-300-100', epochs: 1 }; data subset })
                def trained = dense.runDir.resolve('model-final.zip').toString()
                ['chain-a', 'chain-b'].each { name ->
                    run(experiment(name) {
                        seed 5
                        model { load trained }
                        data subset
                        schedule 'iterative', target: 0.8, steps: 3
                        finetune epochs: 3
                        evaluate latencyRepeats: 2, latencyWarmup: 1, largeBatch: 0
                    })
                }
                """);
        var process = Cli.start(work, "run", chain.toString(), "--runs-dir", "chain-runs", "--no-progress");
        drain(process);
        Path killed = Awaitility.await("chain-b's run directory").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> runsOf(work.resolve("chain-runs")).stream()
                        .filter(d -> Files.exists(d.resolve("checkpoints")) && specText(d).contains("\"chain-b\"")).findFirst(),
                        Optional::isPresent)
                .orElseThrow();
        assertThat(process.isAlive()).as("chain-b still running when killed").isTrue();
        process.destroyForcibly();
        process.waitFor(1, TimeUnit.MINUTES);
        var finishedBefore = runsOf(work.resolve("chain-runs"));

        var resumed = Cli.run(work, "resume", Path.of("chain-runs").resolve(killed.getFileName()).toString(), "--no-progress");
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("chain-dense-").contains("chain-a-").contains("finished before; its results are used");
        assertThat(runsOf(work.resolve("chain-runs"))).as("no experiment ran again").containsExactlyInAnyOrderElementsOf(finishedBefore);
    }

    private static List<Path> runsOf(Path runs) throws IOException {
        if (!Files.isDirectory(runs)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(runs)) {
            return dirs.toList();
        }
    }

    private static String specText(Path run) {
        try {
            return Files.readString(run.resolve("spec.json"));
        } catch (IOException e) {
            return ""; // not written yet
        }
    }

    /** Waits until the run reaches {@code point}: its directory, a progress event, or its k-th step-completed event. */
    static void awaitPoint(Process process, Path runs, String point) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (process.isAlive() && System.nanoTime() < deadline) {
            Path events = null;
            if (Files.isDirectory(runs)) {
                try (Stream<Path> dirs = Files.list(runs)) {
                    events = dirs.map(d -> d.resolve("events.jsonl")).filter(Files::isRegularFile).findFirst().orElse(null);
                }
            }
            if (events != null) {
                String text = Files.readString(events);
                boolean reached = switch (point.split(" ")[0]) {
                    case "directory" -> true;
                    case "progress" -> text.contains("\"event\":\"progress\"");
                    default -> text.split("\"event\":\"step-completed\"", -1).length - 1 >= Integer.parseInt(point.split(" ")[1]);
                };
                if (reached) {
                    return;
                }
            }
            Thread.sleep(10);
        }
    }

    @Test
    void stoppedWithSigtermARunIsMarkedInterruptedSaysHowToResumeExits143AndResumesExactly() throws Exception {
        var random = new Random(7L);
        int stopped = 0;
        for (int i = 0; i < 3; i++) {
            // counted from the moment the run has its directory, so a machine slower than during the reference run
            // still stops a run, not a process that has not begun one
            long at = 300 + (long) (random.nextDouble() * (endedMs - openedMs - 1_000));
            var runs = work.resolve("term-" + i);
            // into files: a destroyed Process closes its pipes, and the last line comes after the signal
            var errFile = work.resolve("term-" + i + ".err");
            var process = Cli.builder(work, "run", script.toString(), "--runs-dir", runs.toString(), "--no-progress")
                    .redirectOutput(work.resolve("term-" + i + ".out").toFile())
                    .redirectError(errFile.toFile()).start();
            awaitPoint(process, runs, "directory");
            if (process.waitFor(at, TimeUnit.MILLISECONDS)) {
                continue; // it finished first: nothing was stopped
            }
            process.destroy(); // SIGTERM
            assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
            var err = Files.readString(errFile);
            var dir = onlyRun(runs);
            if (process.exitValue() == 0 || Files.exists(dir.resolve("model-final.zip"))) {
                continue; // the signal came as it ended
            }
            assertThat(process.exitValue()).as(err.toString()).isEqualTo(143);
            assertThat(err.toString().lines().filter(l -> !l.isBlank()).toList()).singleElement().asString()
                    .startsWith("secateur: interrupted by SIGTERM; run " + dir.getFileName() + " is marked INTERRUPTED, resume it with: "
                            + "bin/secateur resume " + dir);
            assertThat(dir.resolve("INTERRUPTED")).exists();
            assertThat(dir.resolve("LOCK")).doesNotExist();
            var events = Files.readAllLines(dir.resolve("events.jsonl"));
            assertThat(events.get(events.size() - 1)).contains("\"event\":\"interrupted\"");
            assertCheckpointsWhole(runs);

            // what `runs` lists and what a second resume says depend on no moment: asked after the first stop only
            boolean first = stopped++ == 0;
            if (first) {
                var listed = Cli.run(work, "runs", "--runs-dir", runs.toString());
                assertThat(listed.out()).containsPattern(dir.getFileName() + " +interrupted ");
            }
            var resumed = Cli.run(work, "resume", dir.toString(), "--no-progress");
            assertThat(resumed.exit()).as(resumed.err()).isZero();
            assertThat(finished(dir)).satisfies(CrashResumeIT::equalsReference);
            if (first) {
                var again = Cli.run(work, "resume", dir.toString());
                assertThat(again.exit()).isEqualTo(2);
                assertThat(again.err()).contains("finished; there is nothing to resume");
            }
        }
        assertThat(stopped).as("runs stopped by SIGTERM, of 3").isPositive();
    }

    @Test
    void aSecondSigtermStopsAtOnceAndTheLastCheckpointStillResumesExactly() throws Exception {
        var runs = work.resolve("twice");
        var errFile = work.resolve("twice.err");
        var process = Cli.builder(work, "run", script.toString(), "--runs-dir", runs.toString(), "--no-progress")
                .redirectOutput(work.resolve("twice.out").toFile()).redirectError(errFile.toFile()).start();
        // in the first step's fine-tuning, after the dense model's checkpoint
        long checkpointed = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < checkpointed && !(Files.isDirectory(runs) && Files.list(runs).findAny()
                .map(d -> Files.exists(d.resolve("checkpoints/step-0.json"))).orElse(false))) {
            Thread.sleep(50);
        }
        new ProcessBuilder("kill", "-TERM", String.valueOf(process.pid())).start().waitFor();
        Thread.sleep(20);
        new ProcessBuilder("kill", "-TERM", String.valueOf(process.pid())).start().waitFor();
        assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(Files.readString(errFile)).isEqualTo(143);
        assertCheckpointsWhole(runs);
        var dir = onlyRun(runs);
        assertThat(Cli.run(work, "runs", "--runs-dir", runs.toString()).out()).containsPattern(dir.getFileName() + " +interrupted ");
        var resumed = Cli.run(work, "resume", dir.toString(), "--no-progress");
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(finished(dir)).satisfies(CrashResumeIT::equalsReference);
    }

    @Test
    void aFullDiskFailsTheRunCleanlyAndTheEarlierCheckpointStaysReadable() throws Exception {
        var disk = Files.createDirectories(work.resolve("small-disk"));
        // room for the run's files and its first checkpoint (about 4 MB), not for a second beside it
        var mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", disk.toString()).redirectErrorStream(true).start();
        String mounted = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (mount.waitFor() != 0) {
            fileSizeLimitFailsTheRunCleanly(mounted);
            return;
        }
        try {
            var result = Cli.run(work, "run", script.toString(), "--runs-dir", disk.resolve("runs").toString(), "--no-progress");
            assertThat(result.exit()).as(result.err()).isEqualTo(1);
            assertThat(result.errLines().stream().filter(l -> !l.startsWith("secateur: building the application")).toList())
                    .singleElement().asString().contains("No space left on device")
                    .contains("the checkpoint before it is intact").doesNotContain("\tat ");
            var dir = onlyRun(disk.resolve("runs"));
            assertThat(dir.resolve("FAILED")).content().contains("No space left on device");
            assertThat(dir.resolve("model-final.zip")).doesNotExist();
            assertCheckpointsWhole(disk.resolve("runs"));
            try (Stream<Path> files = Files.list(dir.resolve("checkpoints"))) {
                assertThat(files.map(p -> p.getFileName().toString()).toList()).contains("step-0.json");
            }
        } finally {
            new ProcessBuilder("umount", disk.toString()).inheritIO().start().waitFor();
        }
    }

    /**
     * Where no tmpfs can be mounted (not root), the writer's fault comes from a file size limit instead: the
     * JVM ignores SIGXFSZ, so a write past the limit fails with "File too large" like a full disk's.
     */
    private static void fileSizeLimitFailsTheRunCleanly(String whyNoMount) throws Exception {
        var runs = work.resolve("size-limited");
        var process = Cli.withOptions(new ProcessBuilder("bash", "-c", "ulimit -f 1024; exec \"$0\" \"$@\"", Cli.BIN.toString(), "run",
                script.toString(), "--runs-dir", runs.toString(), "--no-progress").directory(work.toFile()), Cli.JAVA_OPTIONS).start();
        drain(process);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as("no tmpfs (%s); with a 1 MB file size limit", whyNoMount).isEqualTo(1);
        var dir = onlyRun(runs);
        assertThat(dir.resolve("FAILED")).content().contains("File too large");
        assertThat(dir.resolve("model-final.zip")).doesNotExist();
        assertCheckpointsWhole(runs);
    }

    /** Which part of the run a kill landed in, from what the directory holds. */
    private static String stage(Path runs, boolean ended) throws IOException {
        if (ended) {
            return "after the end";
        }
        if (!Files.isDirectory(runs) || Files.list(runs).findAny().isEmpty()) {
            return "before the run directory";
        }
        var events = Files.readAllLines(onlyRun(runs).resolve("events.jsonl")).stream().filter(l -> !l.contains("\"progress\"")).toList();
        var progress = Files.readAllLines(onlyRun(runs).resolve("events.jsonl")).stream().filter(l -> l.contains("\"progress\"")).toList();
        String last = events.isEmpty() ? "" : events.get(events.size() - 1);
        long steps = events.stream().filter(l -> l.contains("step-completed")).count();
        if (last.contains("\"completed\"")) {
            return "while closing";
        }
        // step-completed events count step 0 too: with k of them, step k is under way
        boolean training = !progress.isEmpty() && progress.get(progress.size() - 1).contains("\"step\":" + steps);
        if (steps == 0) {
            return progress.isEmpty() ? "loading" : "baseline training";
        }
        if (steps == 4) {
            return "writing the model";
        }
        return "step " + steps + (training ? " fine-tuning" : " scoring, pruning or evaluating");
    }

    /** Every committed checkpoint (step-N.json) parses, and its model zip and masks read back whole. */
    private static void assertCheckpointsWhole(Path runs) throws IOException {
        if (!Files.isDirectory(runs)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(runs)) {
            for (var dir : dirs.toList()) {
                var root = dir.resolve("checkpoints");
                if (!Files.isDirectory(root)) {
                    continue;
                }
                try (Stream<Path> files = Files.list(root)) {
                    for (var json : files.filter(f -> f.getFileName().toString().matches("step-\\d+\\.json")).toList()) {
                        var info = new ObjectMapper().readTree(json.toFile());
                        int step = info.path("step").asInt();
                        assertThat(info.path("results").size()).as(json.toString()).isEqualTo(step + 1);
                        var model = root.resolve("step-" + step).resolve("model.zip");
                        try (var zip = new ZipFile(model.toFile())) {
                            assertThat(zip.getEntry("coefficients.bin")).as(model.toString()).isNotNull();
                            zip.getInputStream(zip.getEntry("coefficients.bin")).readAllBytes();
                        }
                    }
                }
            }
        }
    }

    private static void equalsReference(Finished run) {
        assertThat(run.rows()).isEqualTo(reference.rows());
        assertThat(run.masks().keySet()).isEqualTo(reference.masks().keySet());
        run.masks().forEach((name, bytes) -> assertThat(bytes).as(name).isEqualTo(reference.masks().get(name)));
        assertThat(run.weights()).as("model-final.zip coefficients").isEqualTo(reference.weights());
        assertThat(run.updater()).as("model-final.zip updater state").isEqualTo(reference.updater());
    }

    private static Finished finished(Path dir) throws IOException {
        var rows = new ArrayList<String>();
        for (String line : Files.readAllLines(dir.resolve("results.csv"))) {
            String[] cells = line.split(",", -1);
            var kept = new ArrayList<String>();
            for (int c : DETERMINED) {
                kept.add(cells[c]);
            }
            rows.add(String.join(",", kept));
        }
        var masks = new TreeMap<String, byte[]>();
        try (Stream<Path> files = Files.walk(dir.resolve("masks"))) {
            for (var f : files.filter(Files::isRegularFile).toList()) {
                masks.put(dir.resolve("masks").relativize(f).toString(), Files.readAllBytes(f));
            }
        }
        try (var zip = new ZipFile(dir.resolve("model-final.zip").toFile())) {
            return new Finished(rows, masks, zip.getInputStream(zip.getEntry("coefficients.bin")).readAllBytes(),
                    zip.getInputStream(zip.getEntry("updaterState.bin")).readAllBytes());
        }
    }

    private static Path onlyRun(Path runs) throws IOException {
        try (Stream<Path> dirs = Files.list(runs)) {
            var all = dirs.toList();
            assertThat(all).as("run directories in %s", runs).hasSize(1);
            return all.get(0);
        }
    }

    /** The one run in {@code runs} that completed (a kill before any checkpoint leaves one that a fresh run replaced). */
    static Path completedRun(Path runs) throws IOException {
        try (Stream<Path> dirs = Files.list(runs)) {
            var done = dirs.filter(d -> Files.exists(d.resolve("model-final.zip"))).toList();
            assertThat(done).as("completed runs in %s", runs).hasSize(1);
            return done.get(0);
        }
    }

    static void drain(Process process) {
        for (var stream : List.of(process.getInputStream(), process.getErrorStream())) {
            var thread = new Thread(() -> {
                try {
                    stream.transferTo(OutputStream.nullOutputStream());
                } catch (IOException ignored) {
                    // the process was killed
                }
            });
            thread.setDaemon(true);
            thread.start();
        }
    }
}
