package dev.secateur.bus;

import dev.secateur.data.DataSplits;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.PrunableParam;
import dev.secateur.plugin.PluginPins;
import dev.secateur.prune.Pruner;
import dev.secateur.score.ScoreSet;
import dev.secateur.sensitivity.SensitivityCurves;
import dev.secateur.sensitivity.SensitivityProbe;
import dev.secateur.spec.CompareSpec;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.EvaluateSpec;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.RecoverySpec;
import dev.secateur.spec.SaliencySpec;
import dev.secateur.spec.ScriptOrigin;
import dev.secateur.spec.SensitivitySpec;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import dev.secateur.store.Handle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Requests sent to the stages, in data-flow order. Each carries handles, never tensors. */
public sealed interface StageRequest permits StageRequest.RunExperiment, StageRequest.CancelExperiment, StageRequest.Restore, StageRequest.Load, StageRequest.Explain,
        StageRequest.Score, StageRequest.Compare, StageRequest.Plan, StageRequest.Apply, StageRequest.Budget,
        StageRequest.Shrink, StageRequest.Train, StageRequest.Copy, StageRequest.Evaluate, StageRequest.Quality, StageRequest.Probe {

    /**
     * Run a whole experiment, writing {@code runsDir/<run-id>/}.
     *
     * @param runId         the run's id, given by whoever queued it; null lets the coordinator name it
     * @param resume        the run directory to resume, or null for a new run
     * @param acceptChanges whether a resume may go on with data or plugins that differ from spec.json's (recorded there)
     */
    record RunExperiment(ExperimentSpec spec, Path runsDir, String runId, Path resume, ScriptOrigin script, boolean acceptChanges)
            implements StageRequest {

        public RunExperiment(ExperimentSpec spec, Path runsDir, String runId, Path resume, ScriptOrigin script) {
            this(spec, runsDir, runId, resume, script, false);
        }

        public RunExperiment(ExperimentSpec spec, Path runsDir, String runId) {
            this(spec, runsDir, runId, null, null);
        }

        public RunExperiment(ExperimentSpec spec, Path runsDir) {
            this(spec, runsDir, null, null, null);
        }
    }

    /**
     * Stop a run: its job in progress stops between minibatches. {@code interrupted} (a signal) marks it
     * INTERRUPTED, to be resumed; otherwise it is CANCELLED.
     */
    record CancelExperiment(String runId, boolean interrupted) implements StageRequest {

        public CancelExperiment(String runId) {
            this(runId, false);
        }
    }

    /** Load a run's latest committed checkpoint: its model (with the updater state) and masks, held. */
    record Restore(Path runDir) implements StageRequest {
    }

    /**
     * Load data, and load or build a model; with {@code exportOnnx}, also check that the model can be written as
     * ONNX, so a run that would fail at its end fails before it starts.
     */
    record Load(ModelSpec model, DataSpec data, long seed, boolean exportOnnx) implements StageRequest {
        public Load(ModelSpec model, DataSpec data, long seed) {
            this(model, data, seed, false);
        }
    }

    /**
     * The experiment's explain-plan: its model's unit groups, what is kept whole and why, and the projected
     * params and FLOPs. The model is built or loaded (a built-in is not trained) and one input example is
     * read; nothing is pruned and nothing is kept.
     */
    record Explain(ExperimentSpec spec) implements StageRequest {
    }

    /**
     * Score the parameters in scope with one saliency method; its statistics are gathered on a calibration
     * sample of {@code data}'s training split. {@code pins} are the plugin versions of the run (null: those
     * serving now). In cluster mode an oracle's units are measured by the workers, which load {@code dataSpec}
     * from their own copy (null: this JVM only). {@code targets} are the step's sparsity per parameter where the
     * scope gives each its own (empty under a global threshold), for methods that select adaptively (SparseGPT).
     */
    record Score(Handle<Network> model, Handle<DataSplits> data, Handle<MaskSet> masks, List<PrunableParam> params,
                 SaliencySpec saliency, Granularity granularity, long seed, PluginPins pins, DataSpec dataSpec,
                 Map<ParamRef, Double> targets)
            implements StageRequest {

        public Score {
            targets = targets == null ? Map.of() : Map.copyOf(targets);
        }

        public Score(Handle<Network> model, Handle<DataSplits> data, Handle<MaskSet> masks, List<PrunableParam> params,
                     SaliencySpec saliency, Granularity granularity, long seed, PluginPins pins, DataSpec dataSpec) {
            this(model, data, masks, params, saliency, granularity, seed, pins, dataSpec, Map.of());
        }

        public Score(Handle<Network> model, Handle<DataSplits> data, Handle<MaskSet> masks, List<PrunableParam> params,
                     SaliencySpec saliency, Granularity granularity, long seed, PluginPins pins) {
            this(model, data, masks, params, saliency, granularity, seed, pins, null);
        }

        public Score(Handle<Network> model, Handle<DataSplits> data, Handle<MaskSet> masks, List<PrunableParam> params,
                     SaliencySpec saliency, Granularity granularity, long seed) {
            this(model, data, masks, params, saliency, granularity, seed, null, null);
        }
    }

    /**
     * Rank-correlate criteria with a reference on the given parameters, all scored from one statistics
     * pass over a calibration sample of {@code data}'s training split.
     */
    record Compare(Handle<Network> model, Handle<DataSplits> data, List<PrunableParam> params,
                   CompareSpec compare, int calibration, long seed, PluginPins pins, DataSpec dataSpec)
            implements StageRequest {

        public Compare(Handle<Network> model, Handle<DataSplits> data, List<PrunableParam> params,
                       CompareSpec compare, int calibration, long seed, PluginPins pins) {
            this(model, data, params, compare, calibration, seed, pins, null);
        }

        public Compare(Handle<Network> model, Handle<DataSplits> data, List<PrunableParam> params,
                       CompareSpec compare, int calibration, long seed) {
            this(model, data, params, compare, calibration, seed, null, null);
        }
    }

    /** Decide the masks for one step. The reply names them; the recorder writes them. */
    record Plan(Handle<ScoreSet> scores, Handle<MaskSet> current, List<PrunableParam> params, Granularity granularity,
                Scope scope, Pruner.StepTarget target, Provenance provenance) implements StageRequest {
    }

    /**
     * Apply masks to the model, in place. When the saliency method compensates (OBS), the weights that
     * stay are first moved by it, using the statistics in {@code scores}; both are null otherwise. With
     * {@code rewindTo}, every weight first returns to that network's value (lottery-ticket rewinding), with its
     * optimiser state, and the masks then zero the pruned ones.
     */
    record Apply(Handle<Network> model, Handle<MaskSet> masks, Handle<MaskSet> previous,
                 Handle<ScoreSet> scores, SaliencySpec saliency, Granularity granularity, long seed, PluginPins pins,
                 Handle<Network> rewindTo)
            implements StageRequest {

        public Apply(Handle<Network> model, Handle<MaskSet> masks, Handle<MaskSet> previous,
                     Handle<ScoreSet> scores, SaliencySpec saliency, Granularity granularity, long seed, PluginPins pins) {
            this(model, masks, previous, scores, saliency, granularity, seed, pins, null);
        }

        public Apply(Handle<Network> model, Handle<MaskSet> masks, Handle<MaskSet> previous,
                     Handle<ScoreSet> scores, SaliencySpec saliency, Granularity granularity, long seed) {
            this(model, masks, previous, scores, saliency, granularity, seed, null);
        }

        public Apply(Handle<Network> model, Handle<MaskSet> masks) {
            this(model, masks, null, null, null, null, 0, null);
        }
    }

    /**
     * Choose per-layer ratios from sensitivity curves under a budget (Li et al. 2016): the cheapest accuracy
     * drops that cut the budget's share of the model's FLOPs, parameters or latency, with each layer's kept units
     * rounded as {@code granularity} rounds them.
     */
    record Budget(Handle<Network> model, Handle<DataSplits> data, SensitivityCurves curves, SensitivitySpec.Budget budget,
                  Granularity.Structured granularity) implements StageRequest {
    }

    /**
     * Remove the dead units of the model physically: the reply names a new, smaller model and the masks
     * sliced to fit it. The old model and masks stay as they are until released. With {@code measure}, the
     * two networks are also timed side by side, with a per-layer profile (tens of seconds for a CNN).
     */
    record Shrink(Handle<Network> model, Handle<MaskSet> masks, boolean measure) implements StageRequest {
    }

    /**
     * Train: the dense baseline (no masks) or fine-tuning with masks enforced.
     *
     * @param teacher      the dense model to distil from, or null
     * @param distillation how to distil from {@code teacher}, or null for the plain loss
     * @param captureAt    the iteration at which a copy of the network is taken for rewinding (0: before the
     *                     first update), or -1 for none; the reply names the copy
     */
    record Train(String runId, TrainingPhase phase, int step, Handle<Network> model,
                 Handle<DataSplits> data, Handle<MaskSet> masks, TrainingSpec training, long seed,
                 Handle<Network> teacher, RecoverySpec.Distillation distillation, int captureAt)
            implements StageRequest {

        public Train(String runId, TrainingPhase phase, int step, Handle<Network> model,
                     Handle<DataSplits> data, Handle<MaskSet> masks, TrainingSpec training, long seed) {
            this(runId, phase, step, model, data, masks, training, seed, null, null, -1);
        }
    }

    /** Test accuracy and loss only, with no census or timing: a control's score. */
    record Quality(Handle<Network> model, Handle<DataSplits> data) implements StageRequest {
    }

    /** A deep copy of a network (parameters, configuration, updater state), under a new handle. */
    record Copy(Handle<Network> model) implements StageRequest {
    }

    /**
     * Evaluate the model; with {@code measure} false, only the census. Sparsity is counted against
     * {@code denseWeights}, the size of each prunable weight tensor before physical removal (empty: against
     * the network as it is), so a shrunk network reports what was removed, not 0%.
     */
    record Evaluate(Handle<Network> model, Handle<DataSplits> data, EvaluateSpec spec, boolean measure,
                    Map<ParamRef, Long> denseWeights) implements StageRequest {

        public Evaluate {
            denseWeights = Map.copyOf(denseWeights);
        }

        public Evaluate(Handle<Network> model, Handle<DataSplits> data, EvaluateSpec spec, boolean measure) {
            this(model, data, spec, measure, Map.of());
        }
    }

    /**
     * One point of a sensitivity curve: the accuracy of the model with only {@code group} pruned at
     * {@code ratio} by the given scores, on a seeded sample of {@code samples} training examples; with
     * {@code timed}, also its forward time at batch 256 with the group removed, relative to the model's. Points
     * are independent, so a coordinator can send them all at once, to as many evaluators as there are, and in
     * cluster mode to the workers, which load {@code dataSpec} from their own copy (null: this JVM only). With a
     * {@code recovery}, the point is measured after a short retraining of a copy, masks held.
     */
    record Probe(Handle<Network> model, Handle<DataSplits> data, Handle<ScoreSet> scores, PrunableParam group,
                 Granularity.Structured granularity, double ratio, int samples, Provenance provenance, long seed, boolean timed,
                 DataSpec dataSpec, SensitivityProbe.Recovery recovery)
            implements StageRequest {
        public Probe {
            Objects.requireNonNull(recovery, "recovery (Recovery.NONE for none)");
        }

        public Probe(Handle<Network> model, Handle<DataSplits> data, Handle<ScoreSet> scores, PrunableParam group,
                     Granularity.Structured granularity, double ratio, int samples, Provenance provenance, long seed, boolean timed) {
            this(model, data, scores, group, granularity, ratio, samples, provenance, seed, timed, null, SensitivityProbe.Recovery.NONE);
        }
    }
}
