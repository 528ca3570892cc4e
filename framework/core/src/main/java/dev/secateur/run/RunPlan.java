package dev.secateur.run;

import dev.secateur.bus.RunEvent;
import dev.secateur.bus.StageReply;
import dev.secateur.record.ResolvedSpec;
import dev.secateur.model.PrunableParam;
import dev.secateur.plugin.PluginPins;
import dev.secateur.prune.Pruner;
import dev.secateur.schedule.StepPlanner;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.SaliencySpec;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a run will do, decided by the {@link RunPlanner} from the spec, the installed plugins and the loaded
 * model: the steps, the scope and the parameters it covers. It is a value; a sensitivity budget and
 * physical removal each give the run a new one.
 *
 * @param pins         the plugin versions the run holds
 * @param steps        the schedule's steps; empty for a run that prunes nothing
 * @param scope        the declared scope, or the per-layer ratios a sensitivity budget chose
 * @param params       the model's prunable parameters, with their current shapes
 * @param inScope      those the scope covers
 * @param compared     the parameters a comparison ranks; empty for a pruning run
 * @param probed       the unit groups (by their first producer) a sensitivity analysis probes; empty without one
 * @param denseWeights each prunable weight tensor's size in the loaded model, which sparsity is counted against
 * @param sequential   whether the saliency method scores and prunes one parameter at a time, each through the
 *                     layers already pruned in the step (SparseGPT)
 */
public record RunPlan(ExperimentSpec spec, PluginPins pins, String saliencyVersion, String scheduleVersion, List<StepPlanner.PlannedStep> steps,
                      Scope scope, List<PrunableParam> params, List<PrunableParam> inScope, List<PrunableParam> compared,
                      List<PrunableParam> probed, Map<ParamRef, Long> denseWeights, boolean sequential) {

    public RunPlan {
        steps = List.copyOf(steps);
        params = List.copyOf(params);
        inScope = List.copyOf(inScope);
        compared = List.copyOf(compared);
        probed = List.copyOf(probed);
        denseWeights = Map.copyOf(denseWeights);
    }

    /** spec.json's content: the experiment as it will run, with what the loader found. */
    public ResolvedSpec resolved(String runId, StageReply.Loaded loaded) {
        return new ResolvedSpec(runId, spec, saliencyVersion, scheduleVersion, loaded.modelParams(), loaded.dataSource(),
                loaded.dataSha256(), loaded.trainSize(), loaded.testSize(), steps.stream().map(s -> s.step().targetSparsity()).toList(),
                pins.pinned(), null, loaded.dataDetails());
    }

    /** The bounded labels of the run's metrics. */
    public RunEvent.Tags tags() {
        String none = "none";
        return new RunEvent.Tags(spec.prunes() ? spec.saliency().id() : none, spec.prunes() ? spec.schedule().id() : none,
                spec.granularity().id(), spec.scopeFromSensitivity() ? "sensitivity" : spec.scope().id());
    }

    /** The plugins, versions and seed behind every decision of the run. */
    public Provenance provenance() {
        return new Provenance(spec.saliency().id(), saliencyVersion, spec.saliency().options(),
                spec.prunes() ? spec.schedule().id() : null, scheduleVersion, spec.seed());
    }

    public boolean isLast(StepPlanner.PlannedStep planned) {
        return planned.step().index() == steps.size();
    }

    /** A step's target; under a per-layer scope, the size-weighted mean of the layer targets. */
    public Pruner.StepTarget target(StepPlanner.PlannedStep planned) {
        double target = planned.step().targetSparsity();
        if (scope instanceof Scope.PerLayer) {
            double weighted = 0;
            long total = 0;
            for (var param : inScope) {
                long n = param.size();
                weighted += planned.perLayerTargets().get(param.weights()) * n;
                total += n;
            }
            target = weighted / total;
        }
        return new Pruner.StepTarget(planned.step().index(), target, planned.perLayerTargets());
    }

    /**
     * The sparsity each parameter in scope will have after a step, where the scope gives each its own: all the
     * step's target under a layer-wise scope, each its own under a per-layer one; none under a global threshold.
     */
    public Map<ParamRef, Double> paramTargets(Pruner.StepTarget target) {
        if (scope instanceof Scope.Global) {
            return Map.of();
        }
        var targets = new LinkedHashMap<ParamRef, Double>();
        for (var param : inScope) {
            targets.put(param.weights(), scope instanceof Scope.PerLayer ? target.perParam().get(param.weights()) : target.target());
        }
        return targets;
    }

    /** What a step fine-tunes with: the experiment's settings for the step's epochs. */
    public TrainingSpec finetune(StepPlanner.PlannedStep planned) {
        var f = spec.finetune();
        return new TrainingSpec(planned.step().finetuneEpochs(), f.batchSize(), f.learningRate(), f.l2(), f.decay());
    }

    /** For a comparison, what is compared: "magnitude, taylor against oracle on 2_W (structured-l1)"; null otherwise. */
    public String compareSummary() {
        var c = spec.compare();
        if (c == null) {
            return null;
        }
        return c.criteria().stream().map(SaliencySpec::id).collect(Collectors.joining(", ")) + " against " + c.against().id()
                + " on " + compared.stream().map(p -> p.weights().toString()).collect(Collectors.joining(", "))
                + " (" + c.granularity().id() + ")";
    }

    /** The same run after physical removal: the same parameters in scope, with the smaller network's shapes. */
    public RunPlan afterShrink(List<PrunableParam> shrunk) {
        var refs = inScope.stream().map(PrunableParam::weights).toList();
        return new RunPlan(spec, pins, saliencyVersion, scheduleVersion, steps, scope, shrunk,
                shrunk.stream().filter(p -> refs.contains(p.weights())).toList(), compared, probed, denseWeights, sequential);
    }
}
