package dev.secateur.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.dsl.ExperimentBuilder;
import dev.secateur.errors.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a server answers about runs comes from their directories alone: markers, spec.json and results.csv. */
class RunIndexTest {

    @TempDir
    Path runs;

    private Path run(String id, String createdAt, String... markers) throws IOException {
        var dir = Files.createDirectories(runs.resolve(id));
        Files.writeString(dir.resolve(RunDirectory.SPEC), """
                {"experiment": "%s", "createdAt": "%s", "saliency": {"id": "magnitude"}, "schedule": {"id": "one-shot"},
                 "granularity": "unstructured"}
                """.formatted(id, createdAt));
        Files.writeString(dir.resolve(RunDirectory.RESULTS), ResultsCsv.HEADER + "\n");
        for (String marker : markers) {
            Files.writeString(dir.resolve(marker), "");
        }
        return dir;
    }

    @Test
    void theMarkersGiveTheStatusAndALiveProcessTellsRunningFromInterrupted() throws IOException {
        assertThat(RunIndex.status(run("done", "2026-01-01T00:00:00Z", RunDirectory.MODEL), false)).isEqualTo(RunIndex.Status.COMPLETED);
        assertThat(RunIndex.status(run("failed", "2026-01-01T00:00:00Z", RunDirectory.FAILED), false)).isEqualTo(RunIndex.Status.FAILED);
        assertThat(RunIndex.status(run("cancelled", "2026-01-01T00:00:00Z", RunDirectory.CANCELLED), false))
                .isEqualTo(RunIndex.Status.CANCELLED);
        var open = run("open", "2026-01-01T00:00:00Z");
        assertThat(RunIndex.status(open, true)).isEqualTo(RunIndex.Status.RUNNING);
        assertThat(RunIndex.status(open, false)).as("no process runs it any more").isEqualTo(RunIndex.Status.INTERRUPTED);
    }

    @Test
    void theListIsNewestFirstAndSkipsWhatIsNotARun() throws IOException {
        run("older", "2026-01-01T00:00:00Z", RunDirectory.MODEL);
        run("newer", "2026-02-01T00:00:00Z");
        Files.createDirectories(runs.resolve("not-a-run"));
        var listed = new RunIndex(runs).list(id -> id.equals("newer"));
        assertThat(listed).extracting(RunIndex.Summary::id).containsExactly("newer", "older");
        assertThat(listed).extracting(RunIndex.Summary::status).containsExactly(RunIndex.Status.RUNNING, RunIndex.Status.COMPLETED);
        assertThat(listed.get(0).saliency()).isEqualTo("magnitude");
        assertThat(new RunIndex(runs.resolve("absent")).list(id -> false)).isEmpty();
    }

    @Test
    void anIdThatCouldLeaveTheRunsDirectoryFindsNothing() throws IOException {
        run("real", "2026-01-01T00:00:00Z");
        Files.writeString(runs.resolveSibling(RunDirectory.SPEC), "{}");
        var index = new RunIndex(runs);
        assertThat(index.find("real")).contains(runs.resolve("real"));
        for (String bad : List.of("..", "../" + runs.getFileName(), "real/..", "/etc", "", ".hidden")) {
            assertThat(index.find(bad)).as(bad).isEmpty();
        }
        assertThat(index.find(null)).isEmpty();
    }

    @Test
    void aRowStillBeingWrittenIsNotReadAndTheLastRowGivesTheSummary() throws IOException {
        var dir = run("rows", "2026-01-01T00:00:00Z");
        int columns = ResultsCsv.HEADER.split(",").length;
        var full = new StringBuilder();
        for (int i = 0; i < columns; i++) {
            full.append(i == 0 ? "" : ",").append(switch (ResultsCsv.HEADER.split(",")[i]) {
                case "sparsity" -> "0.5";
                case "accuracy" -> "0.8";
                default -> "1";
            });
        }
        Files.writeString(dir.resolve(RunDirectory.RESULTS), full + "\n" + "1,0.9", StandardOpenOption.APPEND);
        var summary = RunIndex.summary(dir, true);
        assertThat(summary.steps()).isEqualTo(1);
        assertThat(summary.sparsity()).isEqualTo(0.5);
        assertThat(summary.accuracy()).isEqualTo(0.8);
    }

    @Test
    void anExperimentsRunWithAnUnreadableSpecIsNeverSilentlyPassedOverByResume() throws IOException {
        var good = Files.createDirectories(runs.resolve("other-20261206-010203-00aa"));
        Files.writeString(good.resolve(RunDirectory.SPEC), "{\"experiment\":\"other\",\"specKey\":\"k\",\"createdAt\":\"x\"}");
        var torn = Files.createDirectories(runs.resolve("exp-20261206-010203-00ab"));
        Files.writeString(torn.resolve(RunDirectory.SPEC), "{\"experiment\":\"ex");
        var index = new RunIndex(runs);
        assertThat(index.latestRunOf("other", "k")).contains(good);
        assertThatThrownBy(() -> index.latestRunOf("exp", "k")).isInstanceOf(BadInputException.class)
                .hasMessageContaining(torn.resolve(RunDirectory.SPEC) + " cannot be read");
    }

    @Test
    void aRunRecordedUnderTheOlderKeyIsStillFoundForResumeAndTheNewestRunWins() throws IOException {
        var spec = ExperimentBuilder.experiment("k", e -> e.model(m -> m.train("lenet-300-100")).schedule("one-shot", x -> x.target(0.5)));
        assertThat(spec.key()).isNotEqualTo(spec.legacyKey());
        var older = Files.createDirectories(runs.resolve("k-20261101-010203-00aa"));
        Files.writeString(older.resolve(RunDirectory.SPEC), "{\"experiment\":\"k\",\"specKey\":\"" + spec.legacyKey()
                + "\",\"createdAt\":\"2026-11-01T01:02:03Z\"}");
        var index = new RunIndex(runs);
        assertThat(index.latestRunOf(spec)).contains(older);
        var newer = Files.createDirectories(runs.resolve("k-20261206-010203-00ab"));
        Files.writeString(newer.resolve(RunDirectory.SPEC), "{\"experiment\":\"k\",\"specKey\":\"" + spec.key()
                + "\",\"createdAt\":\"2026-12-06T01:02:03Z\"}");
        assertThat(index.latestRunOf(spec)).contains(newer);
    }
}
