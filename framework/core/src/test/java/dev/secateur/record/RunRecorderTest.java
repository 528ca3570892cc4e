package dev.secateur.record;

import static dev.secateur.dsl.ExperimentBuilder.experiment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.config.Machine;
import dev.secateur.config.Version;
import dev.secateur.dsl.ExperimentBuilder;
import dev.secateur.errors.BadInputException;
import dev.secateur.model.Architecture;
import dev.secateur.model.Network;
import dev.secateur.plugin.PluginPins;
import dev.secateur.result.StepResult;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.Preprocessing;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.PruningPlan;
import dev.secateur.spi.Scope;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/** The recorder alone: one run directory, opened once, written in order, closed by its last event. */
class RunRecorderTest {

    @TempDir
    Path runs;

    private final RunRecorder recorder = new RunRecorder();

    private static ResolvedSpec resolved(String runId, boolean prunes) {
        return resolved(runId, prunes, "ab".repeat(32), "cd".repeat(32));
    }

    private static ResolvedSpec resolved(String runId, boolean prunes, String dataSha256, String pluginSha256) {
        var spec = prunes
                ? experiment("r", e -> e.model(m -> m.train("lenet-300-100")).saliency("random").schedule("one-shot", s -> s.target(0.5)))
                : ExperimentBuilder.baseline("r", e -> e.model(m -> m.train("lenet-300-100")));
        return new ResolvedSpec(runId, spec, "1.0", prunes ? "1.0" : null, 266_610, "embedded", dataSha256, 100, 50,
                prunes ? List.of(0.5) : List.of(), prunes
                        ? Map.of("saliency:random", new PluginPins.Pinned("random.jar", pluginSha256, "1.0"))
                        : Map.of());
    }

    private static StepResult step(int step) {
        return new StepResult(step, 0.5 * step, 0.5 * step, 0.8, 0.4, 10, 5, 100, 50, 1.0, 10.0, new TreeMap<>(), 256, 2.0);
    }

    @Test
    void aRunIsWrittenInOrderAndClosedByItsLastEvent() throws IOException {
        var dir = recorder.open(runs, resolved("r-1", true));
        assertThat(dir).isEqualTo(runs.resolve("r-1"));
        assertThat(Files.readString(dir.resolve(RunDirectory.SPEC))).contains("\"runId\" : \"r-1\"").contains("\"nd4jBackend\"");
        recorder.event("r-1", "started", Map.of("steps", 1), false);
        recorder.result("r-1", step(0));
        recorder.result("r-1", step(1));
        var mask = Nd4j.createFromArray(new float[][]{{1, 0}, {0, 1}});
        var planDir = recorder.plan("r-1", PruningPlan.of(1, 0.5, new Scope.Global(Set.of()), Granularity.unstructured(),
                Map.of(ParamRef.parse("0_W"), mask), new Provenance("random", "1.0", Options.NONE, "one-shot", "1.0", 3)));
        assertThat(planDir.resolve("0_W.npy")).exists();
        assertThat(Files.readString(planDir.resolve("plan.json"))).contains("\"keptFraction\"").contains("\"0_W\" : 0.5");
        recorder.event("r-1", "completed", Map.of(), true);
        recorder.event("r-1", "progress", Map.of(), false); // after the last event: the run is closed, nothing is written

        var csv = Files.readAllLines(dir.resolve(RunDirectory.RESULTS));
        assertThat(csv).containsExactly(ResultsCsv.HEADER, ResultsCsv.row(step(0), "random"), ResultsCsv.row(step(1), "random"));
        var events = Files.readAllLines(dir.resolve(RunDirectory.EVENTS));
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).startsWith("{\"event\":\"started\",\"time\":").contains("\"steps\":1");
        assertThat(events.get(1)).startsWith("{\"event\":\"completed\"");
        assertThat(recorder.isOpen("r-1")).isFalse();
    }

    @Test
    void specJsonRecordsHowThePixelsWerePrepared() throws IOException {
        var plain = JsonObject.mapFrom(resolved("r-2", true).json("test"));
        assertThat(plain.getJsonObject("data").getJsonObject("preprocessing").encode())
                .isEqualTo("{\"scale\":" + (1.0 / 255) + ",\"mean\":[],\"std\":[]}");
        var spec = experiment("n", e -> e.model(m -> m.load("net.zip"))
                .data(DataSpec.of(new DataSpec.Embedded())
                        .with(Preprocessing.normalized(List.of(0.2860), List.of(0.3530))))
                .schedule("one-shot", s -> s.target(0.5)));
        var dir = recorder.open(runs, new ResolvedSpec("n-1", spec, "1.0", "1.0", 10, "embedded", "ab".repeat(32), 100, 50,
                List.of(0.5), Map.of()));
        var written = new JsonObject(Files.readString(dir.resolve(RunDirectory.SPEC)));
        assertThat(written.getJsonObject("data").getJsonObject("preprocessing").encode())
                .isEqualTo("{\"scale\":" + (1.0 / 255) + ",\"mean\":[0.286],\"std\":[0.353]}");
    }

    @Test
    void aRunThatPrunesNothingHasAnEmptySaliencyColumn() throws IOException {
        var dir = recorder.open(runs, resolved("dense-1", false));
        recorder.result("dense-1", step(0));
        assertThat(Files.readAllLines(dir.resolve(RunDirectory.RESULTS)).get(1)).endsWith(",");
        assertThat(Files.readString(dir.resolve(RunDirectory.SPEC))).contains("\"schedule\" : null");
    }

    @Test
    void aFailureIsMarkedBeforeItsEventAndWritesForARunNeverOpenedChangeNothing() throws IOException {
        recorder.event("never", "progress", Map.of(), false);
        recorder.failed("never", "BAD_INPUT: no such file", Map.of("code", "BAD_INPUT"));
        assertThat(runs).isEmptyDirectory();
        assertThatThrownBy(() -> recorder.model("never", null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("run never has no open directory");

        var dir = recorder.open(runs, resolved("r-2", true));
        recorder.failed("r-2", "STAGE_FAILED: disk full", Map.of("code", "STAGE_FAILED"));
        assertThat(dir.resolve(RunDirectory.FAILED)).content().isEqualTo("STAGE_FAILED: disk full\n");
        assertThat(Files.readAllLines(dir.resolve(RunDirectory.EVENTS))).singleElement().asString()
                .startsWith("{\"event\":\"failed\"").contains("STAGE_FAILED");
        assertThat(recorder.isOpen("r-2")).as("the failed event closes the run").isFalse();
        assertThat(dir.resolve(RunDirectory.MODEL)).doesNotExist();
    }

    @Test
    void theReportOfAFinishedRunShowsHowItEndedThoughItsProcessStillHeldTheLockWhenItWasWritten() throws IOException {
        var completed = recorder.open(runs, resolved("done", false));
        recorder.result("done", step(0));
        recorder.model("done", Network.of(Architecture.LENET_300_100.build(1L, 1e-3)));
        recorder.event("done", "completed", Map.of(), true);
        var failed = recorder.open(runs, resolved("broken", false));
        recorder.failed("broken", "STAGE_FAILED: disk full", Map.of("code", "STAGE_FAILED"));
        var cancelled = recorder.open(runs, resolved("stopped", false));
        recorder.cancelled("stopped", "cancelled by the user", Map.of());

        assertThat(Files.readString(completed.resolve(RunDirectory.REPORT))).contains("\"status\":\"COMPLETED\"")
                .doesNotContain("\"status\":\"RUNNING\"");
        assertThat(Files.readString(failed.resolve(RunDirectory.REPORT))).contains("\"status\":\"FAILED\"")
                .contains("STAGE_FAILED: disk full");
        assertThat(Files.readString(cancelled.resolve(RunDirectory.REPORT))).contains("\"status\":\"CANCELLED\"");
    }

    @Test
    void aRunIdIsNeverOpenedTwice() {
        recorder.open(runs, resolved("r-3", true));
        assertThatThrownBy(() -> recorder.open(runs, resolved("r-3", true))).hasMessageContaining("r-3");
    }

    @Test
    void aResumeWhoseDataOrPluginsChangedIsRefusedNamingBothDigestsAndChangesNothingUnlessAccepted() throws IOException {
        var dir = recorder.open(runs, resolved("r-9", true));
        recorder.event("r-9", "failed", Map.of("why", "killed"), true);
        byte[] spec = Files.readAllBytes(dir.resolve(RunDirectory.SPEC));
        byte[] events = Files.readAllBytes(dir.resolve(RunDirectory.EVENTS));
        var now = resolved("r-9", true, "ef".repeat(32), "01".repeat(32));

        assertThatThrownBy(() -> recorder.reopen(dir, -1, "random", 1, now, false))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("run r-9 cannot resume")
                .hasMessageContaining("data: spec.json has sha256 " + "ab".repeat(32) + " (embedded), now sha256 " + "ef".repeat(32))
                .hasMessageContaining("plugin saliency:random: spec.json has sha256 " + "cd".repeat(32) + " (random.jar), now sha256 "
                        + "01".repeat(32))
                .hasMessageContaining("--accept-changes");
        assertThat(Files.readAllBytes(dir.resolve(RunDirectory.SPEC))).as("spec.json untouched").isEqualTo(spec);
        assertThat(Files.readAllBytes(dir.resolve(RunDirectory.EVENTS))).as("events untouched").isEqualTo(events);
        assertThat(dir.resolve(RunLock.FILE)).as("no lock left by a refused resume").doesNotExist();

        // the same digests resume without a word; accepted changes are recorded in spec.json and the resumed event
        recorder.reopen(dir, -1, "random", 1, resolved("r-9", true), false);
        recorder.event("r-9", "failed", Map.of("why", "killed again"), true);
        recorder.reopen(dir, -1, "random", 1, now, true);
        recorder.event("r-9", "completed", Map.of(), true);
        var resumed = new ObjectMapper().readTree(dir.resolve(RunDirectory.SPEC).toFile());
        var accepted = resumed.path("acceptedChanges");
        assertThat(accepted).hasSize(1);
        // every resume is recorded with the code and machine that go on with the run
        assertThat(resumed.path("resumes")).hasSize(2);
        assertThat(resumed.path("resumes").get(1).path("commit").asText()).isEqualTo(Version.commit());
        assertThat(resumed.path("resumes").get(1).path("machine").path("cpu").asText()).isEqualTo(Machine.current().cpu());
        assertThat(accepted.get(0).path("changes").findValuesAsText("what")).containsExactly("data", "plugin saliency:random");
        assertThat(accepted.get(0).path("changes").get(0).path("now").asText()).contains("ef".repeat(32));
        assertThat(Files.readString(dir.resolve(RunDirectory.EVENTS))).contains("\"acceptedChanges\":[\"data: spec.json has sha256");

        // once accepted, the same data resumes without a word; only a further change is refused again
        recorder.reopen(dir, -1, "random", 1, now, false);
        recorder.event("r-9", "completed", Map.of(), true);
        assertThatThrownBy(() -> recorder.reopen(dir, -1, "random", 1, resolved("r-9", true, "77".repeat(32), "01".repeat(32)), false))
                .hasMessageContaining("data: spec.json has sha256 " + "ef".repeat(32) + " (accepted at an earlier resume), now sha256 "
                        + "77".repeat(32))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("plugin saliency:random"));
    }

    @Test
    void aRunWhoseSpecIsUnreadableIsNotResumedAndSaysSo() throws IOException {
        var dir = recorder.open(runs, resolved("r-10", true));
        recorder.event("r-10", "failed", Map.of(), true);
        Files.writeString(dir.resolve(RunDirectory.SPEC), "{\"runId\": \"r-1");
        assertThatThrownBy(() -> recorder.reopen(dir, -1, "random", 1, resolved("r-10", true), false))
                .isInstanceOf(BadInputException.class).hasMessageContaining("cannot read " + dir.resolve(RunDirectory.SPEC))
                .hasMessageContaining("cannot be resumed");
    }
}
