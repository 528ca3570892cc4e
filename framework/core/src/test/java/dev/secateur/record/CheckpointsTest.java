package dev.secateur.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.ModelFiles;
import dev.secateur.result.StepResult;
import dev.secateur.spi.ParamRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** Checkpoints without Vert.x: committed by their JSON, read back exactly, torn ones passed over; the run lock. */
class CheckpointsTest {

    @TempDir
    Path run;

    private static StepResult step(int step, double accuracy) {
        var layers = new TreeMap<ParamRef, Double>(Map.of(ParamRef.parse("0_W"), 0.25 * step));
        return new StepResult(step, 0.3 * step, 0.3 * step, accuracy, Double.NaN, 266_610, 200_000 - step, 532_810, 400_000, 0.61,
                Double.NaN, layers, 256, 1.5, Double.NaN, step == 0 ? Double.NaN : 12_345.678 * step);
    }

    @Test
    void aCheckpointReadsBackTheModelTheMasksAndTheRowsExactly() throws Exception {
        var net = Architecture.LENET_300_100.network(3L, 1e-3);
        var mask = Nd4j.rand(DataType.FLOAT, 784, 300).gt(0.5).castTo(DataType.FLOAT);
        var masks = MaskSet.of(Map.of(ParamRef.parse("0_W"), mask));
        var rows = List.of(step(0, 0.8612345678901234), step(1, 0.85));
        Checkpoints.write(run, 0, net, MaskSet.NONE, rows.subList(0, 1), Map.of());
        Checkpoints.write(run, 1, net, masks, rows, Map.of("0_W", 0.4));

        var latest = Checkpoints.latest(run).orElseThrow();
        assertThat(latest.step()).isEqualTo(1);
        assertThat(latest.results()).isEqualTo(rows); // NaN cells and 16 significant digits included
        assertThat(latest.ratios()).containsExactly(Map.entry("0_W", 0.4));
        assertThat(Checkpoints.masks(latest).of(ParamRef.parse("0_W")).orElseThrow()).isEqualTo(mask);
        assertThat(ModelFiles.load(latest.model()).params()).isEqualTo(net.params());
        // the older checkpoint is dropped once the newer is committed
        assertThat(run.resolve("checkpoints/step-0")).doesNotExist();
        assertThat(run.resolve("checkpoints/step-0.json")).doesNotExist();
    }

    @Test
    void aCheckpointWithoutItsJsonWasTornAndTheOneBeforeItIsUsed() throws Exception {
        var net = Architecture.LENET_300_100.network(3L, 1e-3);
        Checkpoints.write(run, 0, net, MaskSet.NONE, List.of(step(0, 0.8)), Map.of());
        // a crash during the next checkpoint: its files, but no commit
        Files.createDirectories(run.resolve("checkpoints/step-1/masks"));
        Files.write(run.resolve("checkpoints/step-1/model.zip"), new byte[]{'P', 'K'});
        Files.writeString(run.resolve("checkpoints/step-1.json.tmp"), "{\"step\": 1, \"resu");
        assertThat(Checkpoints.latest(run).orElseThrow().step()).isZero();
        assertThat(Checkpoints.latest(run.resolve("nothing"))).isEmpty();
    }

    @Test
    void reopeningRebuildsTheRowsFromTheCheckpointAndDropsWhatCameAfterIt() throws Exception {
        var dir = RunDirectory.create(run, "r-1");
        var rows = List.of(step(0, 0.8), step(1, 0.81));
        Checkpoints.write(dir.path(), 1, Architecture.LENET_300_100.network(3L, 1e-3), MaskSet.NONE, rows, Map.of());
        // a power cut kept the checkpoint but not row 1, which is torn; step 2 had been written after it
        Files.writeString(dir.path().resolve(RunDirectory.RESULTS), ResultsCsv.HEADER + "\n" + ResultsCsv.row(rows.get(0), "magnitude")
                + "\n1,0.3\n" + ResultsCsv.row(step(2, 0.8), "magnitude") + "\n");
        Files.createDirectories(dir.path().resolve("masks/step-1"));
        Files.createDirectories(dir.path().resolve("masks/step-2"));
        Files.createDirectories(dir.path().resolve("masks/shrunk"));
        Files.writeString(dir.path().resolve(RunDirectory.EVENTS), String.join("\n",
                "{\"event\":\"started\"}",
                "{\"event\":\"step-completed\",\"result\":{\"step\":0}}",
                "{\"event\":\"step-completed\",\"result\":{\"step\":1}}",
                "{\"event\":\"step-completed\",\"result\":{\"step\":2}}",
                "{\"event\":\"decided\",\"what\":\"shrink\"}",
                "{\"event\":\"step-comp"));
        Files.writeString(dir.path().resolve(RunDirectory.FAILED), "TIMEOUT: ...\n");
        RunLock.release(dir.path());

        RunDirectory.reopen(dir.path(), Checkpoints.latest(dir.path()).orElseThrow(), "magnitude", 3);
        assertThat(Files.readAllLines(dir.path().resolve(RunDirectory.RESULTS))).containsExactly(ResultsCsv.HEADER,
                ResultsCsv.row(rows.get(0), "magnitude"), ResultsCsv.row(rows.get(1), "magnitude"));
        assertThat(Files.readAllLines(dir.path().resolve(RunDirectory.EVENTS))).containsExactly("{\"event\":\"started\"}",
                "{\"event\":\"step-completed\",\"result\":{\"step\":0}}", "{\"event\":\"step-completed\",\"result\":{\"step\":1}}");
        assertThat(dir.path().resolve("masks/step-1")).exists();
        assertThat(dir.path().resolve("masks/step-2")).doesNotExist();
        assertThat(dir.path().resolve("masks/shrunk")).as("the last step is redone").doesNotExist();
        assertThat(dir.path().resolve(RunDirectory.FAILED)).doesNotExist();
        assertThat(RunLock.holder(dir.path())).get().satisfies(h -> {
            assertThat(h.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(h.alive()).isTrue();
        });
    }

    @Test
    void aRunThatAnotherLiveProcessHoldsIsNotReopenedNorChangedAndItsLockIsTakenOverOnceThatProcessDies() throws Exception {
        var dir = RunDirectory.create(run, "r-3").path();
        Checkpoints.write(dir, 0, Architecture.LENET_300_100.network(3L, 1e-3), MaskSet.NONE, List.of(step(0, 0.8)), Map.of());
        Files.writeString(dir.resolve(RunDirectory.FAILED), "TIMEOUT: ...\n");
        RunLock.release(dir);
        var other = LockHolder.start(dir);
        try {
            assertThat(LockHolder.firstLine(other)).isEqualTo("taken");
            assertThatThrownBy(() -> RunDirectory.reopen(dir, Checkpoints.latest(dir).orElseThrow(), "magnitude", 3))
                    .hasMessageContaining("is running in process " + other.pid());
            assertThat(dir.resolve(RunDirectory.FAILED)).as("nothing changed in a run another process holds").exists();
        } finally {
            other.destroyForcibly(); // SIGKILL: its LOCK stays, and the kernel lets go of its lock
            other.waitFor();
        }
        assertThat(RunLock.holder(dir)).get().extracting(RunLock.Holder::alive).isEqualTo(false);
        RunDirectory.reopen(dir, Checkpoints.latest(dir).orElseThrow(), "magnitude", 3);
        assertThat(RunLock.holder(dir)).get().extracting(RunLock.Holder::pid).isEqualTo(ProcessHandle.current().pid());
        assertThatThrownBy(() -> RunLock.take(dir)).as("a second take in the same process").hasMessageContaining("is running in process "
                + ProcessHandle.current().pid());
        RunLock.release(dir);
        assertThat(dir.resolve(RunLock.FILE)).doesNotExist();

        // an empty lock, as a crash while it was written leaves it, is stale
        Files.writeString(dir.resolve(RunLock.FILE), "");
        assertThat(RunLock.holder(dir)).get().extracting(RunLock.Holder::alive).isEqualTo(false);
    }

    @Test
    void ofProcessesThatTakeALockTogetherExactlyOneHoldsIt() throws Exception {
        var dir = Files.createDirectories(run.resolve("r-4"));
        var holders = new ArrayList<Process>();
        try {
            for (int i = 0; i < 4; i++) {
                holders.add(LockHolder.start(dir));
            }
            var answers = new ArrayList<String>();
            for (var holder : holders) {
                answers.add(LockHolder.firstLine(holder));
            }
            assertThat(answers).filteredOn("taken"::equals).hasSize(1);
            var taker = holders.get(answers.indexOf("taken"));
            assertThat(answers).filteredOn(a -> !a.equals("taken"))
                    // named from the LOCK's content, unless the taker had not written it yet
                    .allSatisfy(a -> assertThat(a).matches("refused: run r-4 is running in (process " + taker.pid() + " on .*|another process);.*"));
        } finally {
            for (var holder : holders) {
                holder.destroyForcibly();
                holder.waitFor();
            }
        }
    }

    @Test
    void aLockWhoseProcessIsGoneIsStaleAndItsRunReadsInterrupted() throws Exception {
        var dir = RunDirectory.create(run, "r-2").path();
        assertThat(RunIndex.status(dir, false)).isEqualTo(RunIndex.Status.RUNNING);
        // a process that has ended: its pid no longer names a live process started when the lock says
        var ended = new ProcessBuilder("true").start();
        ended.waitFor();
        Files.writeString(dir.resolve(RunLock.FILE), "{\"pid\":" + ended.pid() + ",\"host\":\"" + RunLock.host()
                + "\",\"processStarted\":\"2000-01-01T00:00:00Z\"}\n");
        assertThat(RunLock.holder(dir)).get().extracting(RunLock.Holder::alive).isEqualTo(false);
        assertThat(RunIndex.status(dir, false)).isEqualTo(RunIndex.Status.INTERRUPTED);
        Files.writeString(dir.resolve(RunLock.FILE), "{\"pid\":12");
        assertThat(RunLock.holder(dir)).get().extracting(RunLock.Holder::alive).as("a torn lock").isEqualTo(false);
        RunLock.release(dir);
        Files.writeString(dir.resolve(RunDirectory.MODEL), "x");
        assertThat(RunIndex.status(dir, false)).isEqualTo(RunIndex.Status.COMPLETED);
    }

    @Test
    void aCheckpointThatCannotBeWrittenFailsNamingTheStepAndLeavesTheEarlierOne() throws Exception {
        var net = Architecture.LENET_300_100.network(3L, 1e-3);
        Checkpoints.write(run, 0, net, MaskSet.NONE, List.of(step(0, 0.8)), Map.of());
        // a directory where the next checkpoint's commit file would go: its rename fails, as on a full disk
        Files.createDirectories(run.resolve("checkpoints/step-1.json/in-the-way"));
        assertThatThrownBy(() -> Checkpoints.write(run, 1, net, MaskSet.NONE, List.of(step(0, 0.8), step(1, 0.8)), Map.of()))
                .hasMessageContaining("cannot write the checkpoint of step 1").hasMessageContaining("the checkpoint before it is intact");
        assertThat(Checkpoints.latest(run).orElseThrow().step()).isZero();
        assertThat(run.resolve("checkpoints/step-1")).as("the torn files are removed, to free the space").doesNotExist();
    }
}
