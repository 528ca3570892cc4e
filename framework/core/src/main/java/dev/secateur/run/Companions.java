package dev.secateur.run;

import static dev.secateur.bus.Addresses.*;
import static dev.secateur.config.SecateurConfig.*;

import dev.secateur.bus.RunEvent;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.bus.TrainingPhase;
import dev.secateur.data.DataSplits;
import dev.secateur.errors.BadInputException;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.result.ResultsTable;
import dev.secateur.result.StepResult;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.RecoverySpec;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.store.Handle;
import io.vertx.core.Future;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The networks a run keeps beside the one it prunes, and what they are for: the dense control that retrains on
 * the pruned model's examples ({@code control true}), the teacher of distillation, and the network at the
 * iteration lottery-ticket rewinding returns to. It runs on the coordinator's event loop, like {@link RunSession},
 * and holds only handles.
 */
final class Companions {

    private final StageCalls stages;
    private final HeldHandles held;
    private final ExperimentSpec spec;
    private final String runId;

    private Handle<Network> control;
    private Handle<Network> teacher;
    private Handle<Network> rewindPoint;
    private double controlAccuracy = Double.NaN;
    private double controlPerplexity = Double.NaN;
    private long prunedExamples;
    private long controlExamples;

    Companions(StageCalls stages, HeldHandles held, ExperimentSpec spec, String runId) {
        this.stages = stages;
        this.held = held;
        this.spec = spec;
        this.runId = runId;
    }

    /** The iteration of the dense training at which to keep a copy for rewinding, or -1 for none. */
    int captureAt() {
        return spec.recovery().rewind() instanceof RecoverySpec.Rewind.Weights weights ? weights.iteration() : -1;
    }

    /** Holds what the dense training kept for rewinding, if anything. */
    void kept(Handle<Network> rewindPoint) {
        if (rewindPoint != null) {
            this.rewindPoint = held.hold(rewindPoint);
        }
    }

    /** Takes up the networks and the control's accuracy a checkpoint restored. */
    void restore(Map<String, Handle<Network>> networks, List<StepResult> results) {
        control = networks.containsKey("control") ? held.hold(networks.get("control")) : null;
        teacher = networks.containsKey("teacher") ? held.hold(networks.get("teacher")) : null;
        rewindPoint = networks.containsKey("rewind") ? held.hold(networks.get("rewind")) : null;
        if (!results.isEmpty()) {
            controlAccuracy = results.get(results.size() - 1).controlAccuracy();
            controlPerplexity = results.get(results.size() - 1).controlPerplexity();
        }
    }

    /**
     * Copies the dense model, once step 0 is evaluated, into the control and the teacher the spec asks for. A run
     * resumed after step 0 has them from its checkpoint.
     */
    Future<Void> copyFrom(Handle<Network> dense, int resumedAfter) {
        Future<Void> chain = Future.succeededFuture();
        if (spec.control() && control == null) {
            chain = chain.compose(v -> copy(dense, "control", resumedAfter)).map(copy -> {
                control = copy;
                return null;
            });
        }
        if (spec.recovery().distillation() != null && teacher == null) {
            chain = chain.compose(v -> copy(dense, "teacher", resumedAfter)).map(copy -> {
                teacher = copy;
                return null;
            });
        }
        return chain;
    }

    private Future<Handle<Network>> copy(Handle<Network> dense, String role, int resumedAfter) {
        if (resumedAfter > 0) {
            return Future.failedFuture(new BadInputException("the checkpoint of step " + resumedAfter + " has no " + role
                    + " network, so this run cannot resume; start it again"));
        }
        return stages.send(LOADER_COPY, LOADER, new StageRequest.Copy(dense), StageReply.Copied.class)
                .map(copied -> held.hold(copied.model()));
    }

    /** The network each step's weights return to before retraining, or null. */
    Handle<Network> rewindPoint() {
        return rewindPoint;
    }

    /** A fine-tuning request, distilled from the teacher when the spec asks. */
    StageRequest.Train retrain(int step, Handle<Network> model, Handle<DataSplits> data, Handle<MaskSet> masks,
                               TrainingSpec training, long seed) {
        var distillation = teacher == null ? null : spec.recovery().distillation();
        return new StageRequest.Train(runId, TrainingPhase.FINETUNE, step, model, data, masks, training, seed,
                distillation == null ? null : teacher, distillation, -1);
    }

    /** Counts what the pruned model retrained on, for the closing account. */
    void retrained(long examples) {
        prunedExamples += examples;
    }

    /**
     * The control's share of a step: the same training as the pruned model's, seed for seed, on the dense network
     * without masks or a teacher, then its accuracy.
     */
    Future<Void> trainControl(int step, Handle<DataSplits> data, TrainingSpec training, long seed) {
        if (control == null || training.epochs() == 0) {
            return Future.succeededFuture();
        }
        return stages.send(FINETUNER_TRAIN, FINETUNER, new StageRequest.Train(runId, TrainingPhase.CONTROL, step, control, data, null,
                        training, seed), StageReply.Trained.class)
                .compose(trained -> {
                    controlExamples += trained.report().examples();
                    return stages.send(EVALUATOR_QUALITY, EVALUATOR, new StageRequest.Quality(control, data), StageReply.Measured.class);
                })
                .map(measured -> {
                    controlAccuracy = measured.accuracy();
                    controlPerplexity = measured.perplexity();
                    return null;
                });
    }

    /** A row judged against the control; step 0's control is the dense model itself. */
    StepResult judge(StepResult result) {
        if (!spec.control()) {
            return result;
        }
        if (result.step() == 0) {
            controlAccuracy = result.accuracy();
            controlPerplexity = result.perplexity();
        }
        return result.withControl(controlAccuracy, controlPerplexity);
    }

    /** The networks by role, for the run's checkpoints. */
    Map<String, Handle<Network>> networks() {
        var networks = new LinkedHashMap<String, Handle<Network>>();
        if (control != null) {
            networks.put("control", control);
        }
        if (teacher != null) {
            networks.put("teacher", teacher);
        }
        if (rewindPoint != null) {
            networks.put("rewind", rewindPoint);
        }
        return networks;
    }

    /** How the control was trained, beside the pruned model, said once at the end. */
    Future<Void> account(List<StepResult> results, int resumedAfter) {
        if (!spec.control() || results.isEmpty()) {
            return Future.succeededFuture();
        }
        var last = results.get(results.size() - 1);
        var lines = List.of(String.format(Locale.ROOT, "the dense model retrained on %,d examples; the pruned model retrained on %,d%s",
                        controlExamples, prunedExamples, resumedAfter > 0 ? " (since the resume)" : ""),
                String.format(Locale.ROOT, "final accuracy %s, control %s: %s points%s", ResultsTable.pct(last.accuracy()),
                        ResultsTable.pct(controlAccuracy), ResultsTable.signed(100 * last.accuracyVsControl(), 2),
                        Double.isFinite(last.perplexityVsControl()) ? String.format(Locale.ROOT, "; perplexity %.3f, control %.3f: %s",
                                last.perplexity(), last.controlPerplexity(), ResultsTable.signed(last.perplexityVsControl(), 3)) : ""));
        return stages.event(new RunEvent.Decided(runId, spec.name(), "control", lines));
    }
}
