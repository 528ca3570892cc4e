package dev.secateur.bus;

import dev.secateur.data.DataSplits;
import dev.secateur.evaluate.EvaluationReport;
import dev.secateur.finetune.TrainingReport;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.PrunableParam;
import dev.secateur.model.UnitGroup;
import dev.secateur.result.RankCorrelation;
import dev.secateur.result.StepResult;
import dev.secateur.score.Capabilities;
import dev.secateur.score.Comparison;
import dev.secateur.score.ScoreSet;
import dev.secateur.sensitivity.SensitivityProbe;
import dev.secateur.shrink.RemovalFigure;
import dev.secateur.store.Handle;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Replies from the stages. */
public sealed interface StageReply permits StageReply.ExperimentDone, StageReply.CancelAsked, StageReply.Restored, StageReply.Loaded, StageReply.Explained,
        StageReply.Scored, StageReply.Compared, StageReply.Planned, StageReply.Applied, StageReply.Budgeted,
        StageReply.Shrunk, StageReply.Trained, StageReply.Copied, StageReply.Evaluated, StageReply.Measured, StageReply.Probed, StageReply.Recorded {

    /** A finished experiment: its run directory and one result per step. */
    record ExperimentDone(String runId, Path runDir, List<StepResult> steps, List<RankCorrelation> comparison)
            implements StageReply {
    }

    /** @param running whether the run was running here, and so will stop at its next stage boundary */
    record CancelAsked(String runId, boolean running) implements StageReply {
    }

    /**
     * What the coordinator needs to know about a loaded model, without holding it.
     *
     * @param params       the prunable parameters, in layer order
     * @param groups       the unit groups: the units removed together, and what removing them touches
     * @param capabilities what the scorer can gather for each parameter
     * @param dataSource   where the data came from, resolved (the embedded subset or a directory)
     * @param dataSha256   digest of the IDX bytes read
     */
    record Loaded(Handle<Network> model, Handle<DataSplits> data, List<PrunableParam> params, List<UnitGroup> groups,
                  Capabilities capabilities, long modelParams, String dataSource, String dataSha256, int trainSize,
                  int testSize, DataSplits.Details dataDetails) implements StageReply {
        public Loaded {
            params = List.copyOf(params);
            groups = List.copyOf(groups);
        }
    }

    /**
     * A run's latest checkpoint: its model and masks, held (the masks are null at step 0), the step it
     * completed, the rows so far and the ratios a sensitivity budget chose. Step -1 and no model: the run has
     * no checkpoint, and starts again.
     */
    /** @param networks the run's other networks by role (control, teacher, rewind point), as checkpointed */
    record Restored(Handle<Network> model, Handle<MaskSet> masks, int step, List<StepResult> results,
                    Map<String, Double> ratios, Map<String, Handle<Network>> networks) implements StageReply {
        public Restored {
            results = List.copyOf(results);
            ratios = Collections.unmodifiableMap(new LinkedHashMap<>(ratios));
            networks = Map.copyOf(networks);
        }
    }

    record Explained(String text) implements StageReply {
    }

    record Scored(Handle<ScoreSet> scores) implements StageReply {
    }

    /** A criteria comparison: correlations and the per-layer points behind them (hundreds of values, not tensors). */
    record Compared(Comparison.Report report) implements StageReply {
    }

    /** The full mask set after this step, and the sparsity the plan aimed at (for N:M, exactly 1 − N/M). */
    record Planned(Handle<MaskSet> masks, double targetSparsity) implements StageReply {
    }

    record Applied(Handle<Network> model) implements StageReply {
    }

    /**
     * The per-layer ratios a budget chose, with each group's unit count and a line per decision and for the
     * projected cut.
     */
    record Budgeted(Map<String, Double> ratios, Map<String, Long> units, List<String> lines) implements StageReply {
        public Budgeted {
            ratios = Collections.unmodifiableMap(new LinkedHashMap<>(ratios));
            units = Map.copyOf(units);
            lines = List.copyOf(lines);
        }
    }

    /**
     * The smaller model, its masks (the old ones sliced to the units that remain), its prunable parameters,
     * and notes: one line per layer that had to be kept whole, then the two networks' params, FLOPs and
     * latency measured side by side.
     */
    /** @param figures the removal measured side by side, for removal.csv; empty when not measured */
    record Shrunk(Handle<Network> model, Handle<MaskSet> masks, List<PrunableParam> params, List<String> notes,
                  List<RemovalFigure> figures) implements StageReply {
    }

    /** @param captured the copy taken at the request's {@code captureAt} iteration, or null */
    record Trained(TrainingReport report, Handle<Network> captured) implements StageReply {
        public Trained(TrainingReport report) {
            this(report, null);
        }
    }

    record Copied(Handle<Network> model) implements StageReply {
    }

    /** Test accuracy (a fraction) and mean cross-entropy. */
    /** @param perplexity a language model's exp(loss), NaN for a classifier */
    record Measured(double accuracy, double loss, double perplexity) implements StageReply {
    }

    record Evaluated(EvaluationReport report) implements StageReply {
    }

    /** @param latencyRatio forward time relative to the unpruned model's, NaN when not timed */
    record Probed(double accuracy, double latencyRatio) implements StageReply {
        public SensitivityProbe.Point point() {
            return new SensitivityProbe.Point(accuracy, latencyRatio);
        }
    }

    /** What the recorder wrote: a file or directory of the run, or null when nothing was written. */
    record Recorded(Path path) implements StageReply {
    }
}
