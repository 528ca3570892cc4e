package dev.secateur.bus;

import dev.secateur.model.Network;
import dev.secateur.data.DataSplits;
import dev.secateur.evaluate.EvaluationReport;
import dev.secateur.finetune.TrainingReport;
import dev.secateur.model.PrunableParam;
import dev.secateur.prune.MaskSet;
import dev.secateur.run.StepResult;
import dev.secateur.score.ScoreSet;
import dev.secateur.store.Handle;
import java.nio.file.Path;
import java.util.List;

/** Replies from the stages. */
public sealed interface StageReply permits StageReply.Loaded, StageReply.Saved, StageReply.Scored, StageReply.Planned,
        StageReply.Compared, StageReply.Applied, StageReply.Shrunk, StageReply.Trained, StageReply.Evaluated, StageReply.Probed,
        StageReply.ExperimentDone {

    /**
     * @param dataSource where the data came from, resolved (the embedded subset or a directory)
     * @param dataSha256 digest of the IDX bytes read
     */
    record Loaded(Handle<Network> model, Handle<DataSplits> data, List<PrunableParam> params,
                  long modelParams, String dataSource, String dataSha256, int trainSize, int testSize) implements StageReply {
    }

    record Saved(Path file) implements StageReply {
    }

    record Scored(Handle<ScoreSet> scores) implements StageReply {
    }

    /** The full mask set after this step, and the masks' files if they were persisted. */
    record Planned(Handle<MaskSet> masks, Path maskDir) implements StageReply {
    }

    /** A criteria comparison: correlations and the per-layer points behind them (hundreds of values, not tensors). */
    record Compared(dev.secateur.score.Comparison.Report report) implements StageReply {
    }

    record Applied(Handle<Network> model) implements StageReply {
    }

    /**
     * The smaller model, its masks (the old ones sliced to the units that remain), its prunable parameters,
     * and notes: one line per layer that had to be kept whole, then the two networks' params, FLOPs and
     * latency measured side by side.
     */
    record Shrunk(Handle<Network> model, Handle<MaskSet> masks, List<PrunableParam> params, List<String> notes)
            implements StageReply {
    }

    /** @param latencyRatio forward time relative to the unpruned model's, NaN when not timed */
    record Probed(double accuracy, double latencyRatio) implements StageReply {
    }

    record Trained(TrainingReport report) implements StageReply {
    }

    record Evaluated(EvaluationReport report) implements StageReply {
    }

    /** A finished experiment: its run directory and one result per step. */
    record ExperimentDone(String runId, Path runDir, List<StepResult> steps,
                          List<dev.secateur.score.Comparison.Row> comparison) implements StageReply {
    }
}
