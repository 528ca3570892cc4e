package dev.secateur.run;

import static dev.secateur.bus.Addresses.*;
import static dev.secateur.config.SecateurConfig.*;

import dev.secateur.bus.RecordRequest;
import dev.secateur.bus.RunEvent;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.bus.TrainingPhase;
import dev.secateur.data.DataSplits;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.PrunableParam;
import dev.secateur.prune.Pruner;
import dev.secateur.result.RankCorrelation;
import dev.secateur.result.StepResult;
import dev.secateur.schedule.StepPlanner.PlannedStep;
import dev.secateur.score.ScoreSet;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.ScriptOrigin;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.store.Handle;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One experiment as it runs, in the order the data flows: load, train the baseline, evaluate it, then
 * score, prune, fine-tune and evaluate at every step, each a request to a stage by handle. The planner
 * decides what the run does, the stages do it, and the recorder writes it down; this class only orders
 * the requests. It runs on the coordinator's event loop.
 */
final class RunSession {

    private final StageCalls stages;
    private final RunPlanner planner;
    private final HeldHandles held;
    private final ExperimentSpec spec;
    private final Path runsDir;
    private final String runId;
    private final List<StepResult> results = new ArrayList<>();

    /** What the run does; a sensitivity budget and physical removal each replace it. */
    private RunPlan plan;
    private Handle<DataSplits> data;
    /** The network the steps work on: the loaded one, until physical removal replaces it. */
    private Handle<Network> model;
    /** The masks in force; each step's contain the last's. */
    private Handle<MaskSet> masks;
    /** Null until the recorder has created the run directory. */
    private Path runDir;
    /** The run directory to resume from its latest checkpoint, or null for a new run. */
    private final Path resume;
    /** The last step a resumed run had completed; -1 for a new run. */
    private int resumedAfter = -1;
    /** The per-layer ratios a sensitivity budget chose, kept in every checkpoint. */
    private Map<String, Double> chosenRatios = Map.of();

    /** The control, the teacher and the rewind point, when the spec asks for them. */
    private final Companions companions;

    /** Whether a resume may go on with data or plugins that differ from those spec.json records. */
    private final boolean acceptChanges;

    /** The script it came from, kept in spec.json, or null. */
    private final ScriptOrigin script;

    RunSession(StageCalls stages, RunPlanner planner, HeldHandles held, ExperimentSpec spec, Path runsDir, String runId, Path resume,
               ScriptOrigin script, boolean acceptChanges) {
        this.acceptChanges = acceptChanges;
        this.script = script;
        this.stages = stages;
        this.planner = planner;
        this.held = held;
        this.spec = spec;
        this.runsDir = runsDir;
        this.runId = runId;
        this.resume = resume;
        this.companions = new Companions(stages, held, spec, runId);
    }

    Future<StageReply.ExperimentDone> run() {
        return Future.succeededFuture(spec)
                .map(planner::check)
                .onSuccess(choices -> held.atEnd(() -> planner.release(choices.pins())))
                .compose(choices -> stages.send(LOADER_LOAD, LOADER, new StageRequest.Load(spec.model(), spec.data(), spec.seed(), spec.export().onnx()),
                        StageReply.Loaded.class).compose(loaded -> resume == null ? open(choices, loaded) : reopen(choices, loaded)))
                .compose(v -> resumedAfter >= 0 ? Future.succeededFuture() : explainPlan()
                        .compose(x -> baseline())
                        .compose(throughput -> evaluate(0, 0.0, throughput, true)))
                .compose(v -> companions.copyFrom(model, resumedAfter))
                // a budget's choice is in the checkpoints; curves alone were recorded before step 1
                .compose(v -> spec.sensitivity() == null || resumedAfter > 0 ? Future.succeededFuture() : sensitivity())
                .compose(v -> spec.compare() != null ? compare() : steps())
                // the model is the last stage's work, so a cancelled run never gets one
                .compose(comparison -> companions.account(results, resumedAfter).map(comparison))
                // export/model.onnx before model-final.zip, which marks a completed run
                .compose(comparison -> !spec.export().onnx() ? Future.succeededFuture(comparison)
                        : stages.send(RECORDER_WRITE, RECORDER, new RecordRequest.Onnx(runId, model), StageReply.Recorded.class)
                                .map(comparison))
                .compose(comparison -> stages.send(RECORDER_WRITE, RECORDER, new RecordRequest.Model(runId, model), StageReply.Recorded.class)
                        .compose(v -> stages.event(new RunEvent.RunCompleted(runId, spec.name(), runDir.toString(), List.copyOf(results))))
                        .map(v -> new StageReply.ExperimentDone(runId, runDir, List.copyOf(results), comparison)))
                .recover(error -> stages.failed(spec.name(), runDir, error))
                .andThen(done -> held.releaseAll());
    }

    /** Holds what was loaded, plans the run against it, then has the recorder create the run directory. */
    private Future<Void> open(RunPlanner.Choices choices, StageReply.Loaded loaded) {
        model = held.hold(loaded.model());
        data = held.hold(loaded.data());
        plan = planner.plan(spec, choices, loaded.params(), loaded.groups(), loaded.capabilities());
        RunPlanner.checkRecoveryData(spec, loaded.trainSize());
        var resolved = plan.resolved(runId, loaded).withScript(script);
        return stages.record(new RecordRequest.Open(runsDir, resolved)).compose(this::started);
    }

    /** The recorder has the run directory: the run is under way. */
    private Future<Void> started(Path dir) {
        runDir = dir;
        return stages.event(new RunEvent.RunStarted(runId, spec.name(), dir.toString(), plan.steps().size(), plan.tags(),
                plan.compareSummary()));
    }

    /**
     * Resumes a run from its latest checkpoint: plans as a new run would (the plan is a function of the spec
     * and the loaded network), swaps in the checkpoint's model and masks, then has the recorder reopen the
     * directory, which drops what came after the checkpoint. A run with no checkpoint starts again there.
     */
    private Future<Void> reopen(RunPlanner.Choices choices, StageReply.Loaded loaded) {
        data = held.hold(loaded.data());
        model = held.hold(loaded.model());
        plan = planner.plan(spec, choices, loaded.params(), loaded.groups(), loaded.capabilities());
        RunPlanner.checkRecoveryData(spec, loaded.trainSize());
        return stages.send(LOADER_RESTORE, LOADER, new StageRequest.Restore(resume), StageReply.Restored.class).compose(restored -> {
            if (restored.model() != null) {
                held.release(model);
                model = held.hold(restored.model());
            }
            masks = restored.masks() == null ? null : held.hold(restored.masks());
            companions.restore(restored.networks(), restored.results());
            resumedAfter = restored.step();
            results.addAll(restored.results());
            if (!restored.ratios().isEmpty()) {
                chosenRatios = restored.ratios();
                plan = planner.withRatios(plan, chosenRatios);
            }
            // what runs now, which the recorder checks against what spec.json says ran before
            var now = plan.resolved(runId, loaded).withScript(script);
            return stages.record(new RecordRequest.Reopen(resume, resumedAfter, spec.prunes() ? spec.saliency().id() : "",
                    plan.steps().size(), now, acceptChanges));
        }).compose(this::started);
    }

    /** A structured run's explain-plan, as {@code bin/secateur plan} prints it, kept in the run directory for its page. */
    private Future<Void> explainPlan() {
        if (!(spec.granularity() instanceof Granularity.Structured)) {
            return Future.succeededFuture();
        }
        return stages.send(LOADER_EXPLAIN, LOADER, new StageRequest.Explain(spec), StageReply.Explained.class)
                .compose(explained -> stages.record(new RecordRequest.ExplainPlan(runId, explained.text()))).mapEmpty();
    }

    /**
     * Trains the dense model if the spec asks for it; the throughput goes into step 0's row. Under lottery-ticket
     * rewinding it also keeps the network as it was at the rewind iteration.
     */
    private Future<Double> baseline() {
        int captureAt = companions.captureAt();
        if (!(spec.model() instanceof ModelSpec.Train train) || train.training().epochs() == 0 && captureAt < 0) {
            return Future.succeededFuture(Double.NaN);
        }
        return stages.send(FINETUNER_TRAIN, FINETUNER, new StageRequest.Train(runId, TrainingPhase.BASELINE, 0, model, data, null,
                        train.training(), spec.seed(), null, null, captureAt), StageReply.Trained.class)
                .map(trained -> {
                    companions.kept(trained.captured());
                    return trained.report().examplesPerSecond();
                });
    }

    /** Li et al.'s analysis; under a budget, its ratios become the scope and the steps of this run. */
    private Future<Void> sensitivity() {
        long start = System.nanoTime();
        int probes = plan.probed().size() * spec.sensitivity().ratios().size() + 1;
        return SensitivityAnalysis.curves(stages, held, plan, model, data)
                .compose(curves -> stages.record(new RecordRequest.Sensitivity(runId, curves)).map(curves))
                // its wall time, which a cluster's workers divide
                .compose(curves -> stages.event(new RunEvent.Decided(runId, spec.name(), "sensitivity analysis", List.of(
                        String.format(Locale.ROOT, "%d probes (%d groups x %d ratios, and the dense point) in %.1f s",
                                probes, plan.probed().size(), spec.sensitivity().ratios().size(), (System.nanoTime() - start) / 1e9))))
                        .map(curves))
                .compose(curves -> spec.sensitivity().budget() == null ? Future.succeededFuture()
                        : SensitivityAnalysis.budget(stages, plan, model, data, curves).compose(chosen -> {
                            chosenRatios = chosen.ratios();
                            plan = planner.withRatios(plan, chosen.ratios());
                            return stages.record(new RecordRequest.Ratios(runId, chosen.ratios(), chosen.units()))
                                    .compose(v -> stages.event(new RunEvent.Decided(runId, spec.name(), "sensitivity", chosen.lines())));
                        }));
    }

    /** A criteria comparison instead of pruning steps: every criterion and the reference from one pass. */
    private Future<List<RankCorrelation>> compare() {
        return stages.send(SCORER_COMPARE, SCORER, new StageRequest.Compare(model, data, plan.compared(), spec.compare(),
                        spec.saliency().calibration(), spec.seed(), plan.pins(), spec.data()), StageReply.Compared.class)
                .compose(reply -> stages.record(new RecordRequest.Correlations(runId, reply.report())).map(reply.report().rows()));
    }

    private Future<List<RankCorrelation>> steps() {
        Future<Void> chain = Future.succeededFuture();
        for (var step : plan.steps()) {
            if (step.step().index() > resumedAfter) {
                chain = chain.compose(v -> step(step));
            }
        }
        return chain.map(List.of());
    }

    private Future<Void> step(PlannedStep planned) {
        var target = plan.target(planned);
        int index = planned.step().index();
        var retraining = spec.retraining(plan.finetune(planned));
        long seed = spec.seed() + index;
        return (plan.sequential() ? pruneInTurn(target) : scoreAndPrune(plan.inScope(), plan.params(), target, true))
                .compose(v -> plan.isLast(planned) && spec.shrink() ? shrink() : Future.succeededFuture())
                .compose(v -> planned.step().finetuneEpochs() == 0 ? Future.succeededFuture(Double.NaN) : finetune(index, retraining, seed))
                // the control retrains exactly as the pruned model did, and not at all when it did not
                .compose(throughput -> companions.trainControl(index, data, retraining, seed).map(throughput))
                .compose(throughput -> evaluate(index, target.target(), throughput, spec.evaluate().everyStep() || plan.isLast(planned)));
    }

    /** Scores {@code scored} and prunes {@code pruned} (the same parameters, or one of them in turn) towards the step's target. */
    private Future<Void> scoreAndPrune(List<PrunableParam> scored, List<PrunableParam> pruned, Pruner.StepTarget target,
                                       boolean record) {
        return stages.send(SCORER_SCORE, SCORER, new StageRequest.Score(model, data, masks, scored, spec.saliency(),
                        spec.granularity(), spec.seed(), plan.pins(), spec.data(), plan.paramTargets(target)), StageReply.Scored.class)
                .compose(reply -> prune(held.hold(reply.scores()), pruned, target, record).andThen(v -> held.release(reply.scores())));
    }

    /**
     * SparseGPT's order (its Algorithm 1): each parameter in scope, in layer order, is scored with statistics gathered
     * through the layers already pruned and compensated in this step, then pruned; the step's masks are recorded once.
     */
    private Future<Void> pruneInTurn(Pruner.StepTarget target) {
        Future<Void> chain = Future.succeededFuture();
        for (var param : plan.inScope()) {
            chain = chain.compose(v -> scoreAndPrune(List.of(param), List.of(param), target, false));
        }
        return chain.compose(v -> stages.record(new RecordRequest.Plan(runId, masks, target.step(), target.target(), plan.scope(),
                spec.granularity(), plan.provenance()))).mapEmpty();
    }

    /** Decides the masks of {@code params}, has them recorded, then applies them; OBS first moves the weights that stay. */
    private Future<Void> prune(Handle<ScoreSet> scores, List<PrunableParam> params, Pruner.StepTarget target, boolean record) {
        return stages.send(PRUNER_PLAN, PRUNER, new StageRequest.Plan(scores, masks, params, spec.granularity(), plan.scope(),
                        target, plan.provenance()), StageReply.Planned.class)
                .compose(planned -> {
                    var previous = masks;
                    masks = held.hold(planned.masks());
                    return (record ? stages.record(new RecordRequest.Plan(runId, masks, target.step(), planned.targetSparsity(), plan.scope(),
                                    spec.granularity(), plan.provenance())) : Future.<Path>succeededFuture())
                            .compose(v -> stages.send(PRUNER_APPLY, PRUNER, new StageRequest.Apply(model, masks, previous, scores,
                                    spec.saliency(), spec.granularity(), spec.seed(), plan.pins(), companions.rewindPoint()), StageReply.Applied.class))
                            .andThen(v -> held.release(previous));
                }).mapEmpty();
    }

    /** Physical removal after the last step: later fine-tuning, evaluation and the saved model use the smaller network. */
    private Future<Void> shrink() {
        return stages.send(PRUNER_SHRINK, PRUNER, new StageRequest.Shrink(model, masks, true), StageReply.Shrunk.class)
                .compose(shrunk -> {
                    held.release(model);
                    held.release(masks);
                    model = held.hold(shrunk.model());
                    masks = held.hold(shrunk.masks());
                    plan = plan.afterShrink(shrunk.params());
                    var lines = new ArrayList<>(shrunk.notes());
                    lines.add("fine-tuning, evaluation and the saved model go on with the smaller network");
                    return stages.record(new RecordRequest.ShrunkMasks(runId, masks))
                            .compose(v -> shrunk.figures().isEmpty() ? Future.succeededFuture()
                                    : stages.record(new RecordRequest.Removal(runId, shrunk.figures())))
                            .compose(v -> stages.event(new RunEvent.Decided(runId, spec.name(), "shrink", lines)));
                });
    }

    /** Retrains the pruned model with its masks (and the teacher, under distillation); the throughput goes into the row. */
    private Future<Double> finetune(int step, TrainingSpec training, long seed) {
        return stages.send(FINETUNER_TRAIN, FINETUNER, companions.retrain(step, model, data, masks, training, seed), StageReply.Trained.class)
                .map(trained -> {
                    companions.retrained(trained.report().examples());
                    return trained.report().examplesPerSecond();
                });
    }

    private Future<Void> evaluate(int step, double target, double throughput, boolean measure) {
        return stages.send(EVALUATOR_EVALUATE, EVALUATOR, new StageRequest.Evaluate(model, data, spec.evaluate(), measure,
                        plan.denseWeights()), StageReply.Evaluated.class)
                .compose(evaluated -> {
                    var result = companions.judge(evaluated.report().toStep(step, target, throughput));
                    results.add(result);
                    return stages.event(new RunEvent.StepCompleted(runId, spec.name(), plan.steps().size(), result, plan.tags()));
                })
                // after its row: a checkpoint without the row it covers never exists
                .compose(v -> stages.record(new RecordRequest.Checkpoint(runId, step, model, masks, results, chosenRatios,
                        companions.networks())))
                .mapEmpty();
    }
}
