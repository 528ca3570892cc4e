package dev.secateur.record;

import dev.secateur.model.MaskSet;
import dev.secateur.model.NativeBackend;
import dev.secateur.model.Network;
import dev.secateur.result.StepResult;
import dev.secateur.score.Comparison;
import dev.secateur.sensitivity.SensitivityCurves;
import dev.secateur.shrink.RemovalFigure;
import dev.secateur.spi.PruningPlan;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only writer of run directories. A run is opened once, every file of it is then written here, and
 * it is closed by its last event. Writes for a run that is not open (one that failed before its
 * directory existed) are ignored, so a failure can always be reported the same way.
 */
public final class RunRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(RunRecorder.class);

    private record OpenRun(RunDirectory dir, String saliency) {
    }

    /** The runs with a directory and no last event yet; the recorder's one thread is the only one to touch it. */
    private final Map<String, OpenRun> open = new HashMap<>();

    /**
     * Creates {@code runsDir/<run-id>/} with the header of results.csv and spec.json. The run is open from the
     * moment its directory exists, so a failure even while writing spec.json is marked in it.
     */
    public Path open(Path runsDir, ResolvedSpec spec) {
        var dir = RunDirectory.create(runsDir, spec.runId());
        open.put(spec.runId(), new OpenRun(dir, spec.saliency()));
        dir.writeSpec(spec.json(NativeBackend.variant()));
        return dir.path();
    }

    /**
     * Opens a run directory again to resume it from its checkpoint of {@code step}, and records that it
     * resumed; see {@link RunDirectory#reopen}. A run whose data or plugin files differ from those spec.json
     * records is refused before anything in it changes, unless {@code acceptChanges}; then spec.json records them.
     *
     * @param now the run as it would be resolved now, or null to skip the comparison (a test of the directory alone)
     */
    public Path reopen(Path runDir, int step, String saliency, int steps, ResolvedSpec now, boolean acceptChanges) {
        var recorded = ResumeCheck.recorded(runDir);
        var changes = now == null ? List.<ResumeCheck.Change>of() : ResumeCheck.changes(recorded, now.json(NativeBackend.variant()));
        ResumeCheck.refuseUnlessAccepted(runDir, changes, acceptChanges);
        // step -1: no checkpoint, the run starts again from nothing in its directory
        var checkpoint = step < 0 ? new Checkpoints.Checkpoint(runDir.resolve(Checkpoints.DIR), -1, List.of(), Map.of())
                : Checkpoints.latest(runDir).filter(c -> c.step() == step).orElseThrow(() -> new IllegalStateException(
                "run " + runDir.getFileName() + " has no checkpoint of step " + step + " any more"));
        var dir = RunDirectory.reopen(runDir, checkpoint, saliency, steps);
        open.put(dir.runId(), new OpenRun(dir, saliency));
        ResumeCheck.record(runDir, recorded, changes, step, now == null || now.script() == null ? null : now.script().sha256());
        dir.appendEvent("resumed", Map.of("runId", dir.runId(), "fromStep", step, "pid", ProcessHandle.current().pid(),
                "acceptedChanges", changes.stream().map(ResumeCheck.Change::describe).toList()));
        return dir.path();
    }

    /** The checkpoint after {@code step}: the model with its updater, the masks and the rows so far. */
    public Path checkpoint(String runId, int step, Network net, MaskSet masks,
                           List<StepResult> results, Map<String, Double> ratios) {
        return checkpoint(runId, step, net, masks, results, ratios, Map.of());
    }

    /** The same, with the run's other networks (control, teacher, rewind point) by role. */
    public Path checkpoint(String runId, int step, Network net, MaskSet masks,
                           List<StepResult> results, Map<String, Double> ratios, Map<String, Network> networks) {
        return Checkpoints.write(required(runId).path(), step, net, masks, results, ratios, networks);
    }

    /** An interrupted run's INTERRUPTED marker, then its event, which closes it; its checkpoint resumes it. */
    public void interrupted(String runId, String reason, Object event) {
        var run = open.get(runId);
        if (run != null) {
            try {
                run.dir().markInterrupted(reason);
            } finally {
                event(runId, "interrupted", event, true);
            }
        }
    }

    /** Whether a run has a directory and no last event yet. */
    public boolean isOpen(String runId) {
        return open.containsKey(runId);
    }

    /**
     * Appends an event to events.jsonl; {@code last} closes the run once it is written, after its report.html
     * and plots, which read everything the directory then holds.
     */
    public void event(String runId, String type, Object event, boolean last) {
        var run = open.get(runId);
        if (run == null) {
            return;
        }
        try {
            run.dir().appendEvent(type, event);
        } finally {
            if (last) {
                // closed even when its last line could not be written (a full disk): no live LOCK may outlast the run
                open.remove(runId);
                try {
                    report(run.dir().path());
                } finally {
                    RunLock.release(run.dir().path());
                }
            }
        }
    }

    /** The report and plots of a finished run; a run is never failed for want of them, so a failure is only logged. */
    private static void report(Path dir) {
        try {
            // this process still holds the run's lock, so the status comes from the markers alone
            var detail = RunDetail.ended(dir);
            RunReport.write(dir, detail);
            RunPlots.write(dir, detail);
        } catch (RuntimeException | LinkageError | InternalError e) {
            // XChart draws with AWT, which can fail on a machine without fonts: the run has still completed
            LOG.warn("could not write the report of {}: {}", dir, e.toString());
        }
    }

    /** Appends a step's row to results.csv. */
    public void result(String runId, StepResult result) {
        var run = open.get(runId);
        if (run != null) {
            run.dir().appendResult(result, run.saliency());
        }
    }

    /** A step's masks and plan.json, in masks/step-N/. */
    public Path plan(String runId, PruningPlan plan) {
        return required(runId).writePlan(plan);
    }

    /** The masks of the smaller network, in masks/shrunk/. */
    public void shrunkMasks(String runId, MaskSet masks) {
        required(runId).writeShrunkMasks(masks);
    }

    public void comparison(String runId, Comparison.Report report) {
        ComparisonFiles.write(required(runId).path(), report);
    }

    public void removal(String runId, List<RemovalFigure> figures) {
        RemovalFiles.write(required(runId).path(), figures);
    }

    public void sensitivity(String runId, SensitivityCurves curves) {
        SensitivityFiles.write(required(runId).path(), curves);
    }

    public void ratios(String runId, Map<String, Double> ratios, Map<String, Long> units) {
        SensitivityFiles.writeRatios(required(runId).path(), ratios, units);
    }

    public void explainPlan(String runId, String text) {
        required(runId).writeText(RunDirectory.EXPLAIN_PLAN, text);
    }

    /** export/model.onnx, the final network as ONNX, written atomically before model-final.zip. */
    public Path onnx(String runId, Network net) {
        var dir = required(runId);
        dir.writeOnnx(net);
        return dir.path().resolve(RunDirectory.ONNX);
    }

    /** model-final.zip, written last and atomically. */
    public Path model(String runId, Network net) {
        var dir = required(runId);
        dir.writeModel(net);
        return dir.path().resolve(RunDirectory.MODEL);
    }

    /**
     * A failed run's FAILED marker, then its failed event, which closes it; a half-written directory never
     * looks complete. Nothing is written for a run that never had a directory.
     */
    public void failed(String runId, String reason, Object event) {
        var run = open.get(runId);
        if (run != null) {
            try {
                run.dir().markFailed(reason);
            } finally {
                event(runId, "failed", event, true);
            }
        }
    }

    /** A cancelled run's CANCELLED marker, then its cancelled event, which closes it. */
    public void cancelled(String runId, String reason, Object event) {
        var run = open.get(runId);
        if (run != null) {
            try {
                run.dir().markCancelled(reason);
            } finally {
                event(runId, "cancelled", event, true);
            }
        }
    }

    private RunDirectory required(String runId) {
        var run = open.get(runId);
        if (run == null) {
            throw new IllegalStateException("run " + runId + " has no open directory");
        }
        return run.dir();
    }
}
