package dev.secateur.bus;

import dev.secateur.data.DataSplits;
import dev.secateur.model.PrunableParam;
import dev.secateur.prune.MaskSet;
import dev.secateur.prune.Pruner;
import dev.secateur.score.ScoreSet;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.EvaluateSpec;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.SaliencySpec;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import dev.secateur.store.Handle;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** Requests sent to the stages, in data-flow order. Each carries handles, never tensors. */
public sealed interface StageRequest permits StageRequest.Load, StageRequest.Save, StageRequest.Score,
        StageRequest.Plan, StageRequest.Apply, StageRequest.Train, StageRequest.Evaluate, StageRequest.RunExperiment {

    /** Load data, and load or build a model. */
    record Load(ModelSpec model, DataSpec data, long seed) implements StageRequest {
    }

    /** Write a model to a DL4J zip. */
    record Save(Handle<MultiLayerNetwork> model, Path file) implements StageRequest {
    }

    /** Score the parameters in scope with one saliency method. */
    record Score(Handle<MultiLayerNetwork> model, Handle<MaskSet> masks, List<PrunableParam> params,
                 SaliencySpec saliency, long seed) implements StageRequest {
    }

    /** Decide the masks for one step, and persist them to {@code maskDir} if it is given. */
    record Plan(Handle<ScoreSet> scores, Handle<MaskSet> current, List<PrunableParam> params, Granularity granularity,
                Scope scope, Pruner.StepTarget target, Provenance provenance, Path runDir) implements StageRequest {
    }

    /** Apply masks to the model, in place. */
    record Apply(Handle<MultiLayerNetwork> model, Handle<MaskSet> masks) implements StageRequest {
    }

    /** Train: the dense baseline (no masks) or fine-tuning with masks enforced. */
    record Train(String runId, TrainingPhase phase, int step, Handle<MultiLayerNetwork> model,
                 Handle<DataSplits> data, Handle<MaskSet> masks, TrainingSpec training, long seed) implements StageRequest {
    }

    /** Evaluate the model; with {@code measure} false, only the census. */
    record Evaluate(Handle<MultiLayerNetwork> model, Handle<DataSplits> data, EvaluateSpec spec, boolean measure)
            implements StageRequest {
    }

    /** Run a whole experiment, writing {@code runsDir/<run-id>/}. */
    record RunExperiment(ExperimentSpec spec, Path runsDir) implements StageRequest {
    }
}
