package dev.secateur.run;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.FailureCode;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.config.SecateurConfig;
import dev.secateur.data.DataSplits;
import dev.secateur.model.Network;
import dev.secateur.sensitivity.SensitivityCurves;
import dev.secateur.sensitivity.SensitivityProbe;
import dev.secateur.spec.SensitivitySpec;
import dev.secateur.spi.Granularity;
import dev.secateur.store.Handle;
import io.vertx.core.Future;
import java.util.ArrayList;

/**
 * Li et al.'s sensitivity analysis as bus jobs: the probed groups are scored once, then every point (one
 * group pruned alone at one ratio) is an independent probe, all sent at once, so as many evaluators as
 * there are can serve them; under a budget, the pruner turns the curves into per-layer ratios.
 */
final class SensitivityAnalysis {

    private SensitivityAnalysis() {
    }

    static Future<SensitivityCurves> curves(StageCalls stages, HeldHandles held, RunPlan plan, Handle<Network> model,
                                            Handle<DataSplits> data) {
        var spec = plan.spec();
        var analysis = spec.sensitivity();
        var groups = plan.probed();
        var structured = (Granularity.Structured) spec.granularity();
        boolean timed = analysis.budget() != null && analysis.budget().measure() == SensitivitySpec.Measure.LATENCY;
        // each point retrains as a pruning step would, briefly: the step's own settings
        var recovery = analysis.recover() == 0 ? SensitivityProbe.Recovery.NONE
                : new SensitivityProbe.Recovery(analysis.recover(), spec.retraining(spec.finetune()));
        return stages.send(Addresses.SCORER_SCORE, SecateurConfig.SCORER, new StageRequest.Score(model, data, null, groups,
                        spec.saliency(), spec.granularity(), spec.seed(), plan.pins(), spec.data()), StageReply.Scored.class)
                .compose(scored -> {
                    var scores = held.hold(scored.scores());
                    var probes = new ArrayList<Future<StageReply.Probed>>();
                    for (var group : groups) {
                        for (double ratio : analysis.ratios()) {
                            probes.add(probe(stages, new StageRequest.Probe(model, data, scores, group, structured, ratio,
                                    analysis.samples(), plan.provenance(), spec.seed(), timed, spec.data(), recovery)));
                        }
                    }
                    // ratio 0 prunes nothing: the dense accuracy on the same sample, after the same retraining when the
                    // points retrain, so that a drop is what the cut costs and not what the retraining gives everyone
                    var dense = probe(stages, new StageRequest.Probe(model, data, scores, groups.get(0), structured, 0.0,
                            analysis.samples(), plan.provenance(), spec.seed(), false, spec.data(), recovery));
                    var all = new ArrayList<Future<?>>(probes);
                    all.add(dense);
                    // join, not all: the scores are released only once no probe can still be reading them
                    return Future.join(all).map(done -> SensitivityCurves.of(dense.result().accuracy(), analysis.ratios(),
                                    groups.stream().map(g -> g.weights().toString()).toList(),
                                    probes.stream().map(p -> p.result().point()).toList(), timed))
                            .andThen(done -> held.release(scores));
                });
    }

    /** The per-layer ratios a budget allows, chosen by the pruner from the curves; refusals name the scope's line. */
    static Future<StageReply.Budgeted> budget(StageCalls stages, RunPlan plan, Handle<Network> model, Handle<DataSplits> data,
                                              SensitivityCurves curves) {
        var spec = plan.spec();
        return stages.send(Addresses.PRUNER_BUDGET, SecateurConfig.PRUNER,
                        new StageRequest.Budget(model, data, curves, spec.sensitivity().budget(),
                                (Granularity.Structured) spec.granularity()), StageReply.Budgeted.class)
                .recover(error -> Future.failedFuture(FailureCode.of(error) == FailureCode.BAD_INPUT
                        ? RunPlanner.located(spec, "scope", error) : error));
    }

    private static Future<StageReply.Probed> probe(StageCalls stages, StageRequest.Probe probe) {
        return stages.send(Addresses.EVALUATOR_PROBE, SecateurConfig.EVALUATOR, probe, StageReply.Probed.class);
    }
}
