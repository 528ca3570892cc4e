package dev.secateur.bus;

import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.record.ResolvedSpec;
import dev.secateur.result.StepResult;
import dev.secateur.score.Comparison;
import dev.secateur.sensitivity.SensitivityCurves;
import dev.secateur.shrink.RemovalFigure;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import dev.secateur.store.Handle;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the recorder writes into a run directory; it is the directory's only writer. Stages return what
 * they produced, and the coordinator hands it here by handle. Every request but {@link Open} names its run.
 */
public sealed interface RecordRequest permits RecordRequest.Open, RecordRequest.Event, RecordRequest.Plan,
        RecordRequest.ShrunkMasks, RecordRequest.Removal, RecordRequest.Correlations, RecordRequest.Sensitivity, RecordRequest.Ratios,
        RecordRequest.ExplainPlan, RecordRequest.Onnx, RecordRequest.Model, RecordRequest.Reopen, RecordRequest.Checkpoint {

    /** Create {@code runsDir/<run-id>/} with spec.json and the header of results.csv. */
    record Open(Path runsDir, ResolvedSpec spec) implements RecordRequest {
    }

    /**
     * Append an event to events.jsonl; a completed step also appends its row to results.csv, and a failed run
     * first gets its FAILED marker. A completed or failed event closes the run.
     */
    record Event(RunEvent event) implements RecordRequest {
    }

    /** A step's masks, as masks/step-N/*.npy, and its plan.json. */
    record Plan(String runId, Handle<MaskSet> masks, int step, double targetSparsity, Scope scope,
                Granularity granularity, Provenance provenance) implements RecordRequest {
    }

    /** The masks of the smaller network after physical removal, as masks/shrunk/*.npy. */
    record ShrunkMasks(String runId, Handle<MaskSet> masks) implements RecordRequest {
    }

    /** Physical removal measured side by side: removal.csv. */
    record Removal(String runId, List<RemovalFigure> figures) implements RecordRequest {
    }

    /** A criteria comparison: rank-correlation.csv and .png. */
    record Correlations(String runId, Comparison.Report report) implements RecordRequest {
    }

    /** Sensitivity curves: sensitivity.csv and .png. */
    record Sensitivity(String runId, SensitivityCurves curves) implements RecordRequest {
    }

    /** The ratios a budget chose: sensitivity-ratios.csv. */
    record Ratios(String runId, Map<String, Double> ratios, Map<String, Long> units) implements RecordRequest {
    }

    /** A structured run's explain-plan, as bin/secateur plan prints it: explain-plan.txt. */
    record ExplainPlan(String runId, String text) implements RecordRequest {
    }

    /** Open a run directory again to resume it from its checkpoint of {@code step}. */
    /**
     * Reopen a run to resume it after {@code step}.
     *
     * @param now           the run as it would be resolved now, checked against its spec.json before anything changes
     * @param acceptChanges go on even if its data or plugins differ, recording what changed
     */
    record Reopen(Path runDir, int step, String saliency, int steps, ResolvedSpec now, boolean acceptChanges) implements RecordRequest {
    }

    /** The checkpoint after a step: the model with its updater, the masks (null at step 0), the rows so far. */
    /** @param networks the run's other networks by role (control, teacher, rewind point), kept so a resume has them */
    record Checkpoint(String runId, int step, Handle<Network> model, Handle<MaskSet> masks, List<StepResult> results,
                      Map<String, Double> ratios, Map<String, Handle<Network>> networks) implements RecordRequest {
        public Checkpoint {
            results = List.copyOf(results);
            ratios = Collections.unmodifiableMap(new LinkedHashMap<>(ratios));
            networks = Map.copyOf(networks);
        }
    }

    /**
     * The final network as ONNX, export/model.onnx ({@code export onnx: true}); sent before {@link Model}, so
     * model-final.zip stays the last file of a completed run and a run that could not be exported never looks complete.
     */
    record Onnx(String runId, Handle<Network> model) implements RecordRequest {
    }

    /** The final network: model-final.zip, written last and atomically. */
    record Model(String runId, Handle<Network> model) implements RecordRequest {
    }
}
