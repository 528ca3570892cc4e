package dev.secateur.schedule;

import dev.secateur.errors.BadInputException;
import dev.secateur.errors.ClosestMatch;
import dev.secateur.errors.PluginFailedException;
import dev.secateur.spec.ScheduleChoice;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.PruningSchedule;
import dev.secateur.spi.ScheduleSpec;
import dev.secateur.spi.ScheduleStep;
import dev.secateur.spi.Scope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a schedule plugin's answer into the steps of a run, and checks the plugin kept its contract.
 * Under a per-layer scope the schedule is asked once per layer target, so every layer follows the same
 * ramp to its own target.
 */
public final class StepPlanner {

    private static final double TOLERANCE = 1e-9;

    private StepPlanner() {
    }

    /**
     * One step of a run.
     *
     * @param perLayerTargets each layer's target at this step under a per-layer scope; empty otherwise
     */
    public record PlannedStep(ScheduleStep step, Map<ParamRef, Double> perLayerTargets) {
        public PlannedStep {
            perLayerTargets = Map.copyOf(perLayerTargets);
        }
    }

    public static List<PlannedStep> plan(PruningSchedule schedule, ScheduleChoice choice, Scope scope, int finetuneEpochs) {
        var spec = choice.toSpec(finetuneEpochs);
        if (!(scope instanceof Scope.PerLayer perLayer)) {
            return ask(schedule, spec).stream().map(s -> new PlannedStep(s, Map.of())).toList();
        }
        var byLayer = new LinkedHashMap<ParamRef, List<ScheduleStep>>();
        perLayer.targets().forEach((ref, target) -> byLayer.put(ref, ask(schedule, spec.withTarget(target))));
        int n = byLayer.values().iterator().next().size();
        var steps = new ArrayList<PlannedStep>(n);
        for (int k = 0; k < n; k++) {
            var targets = new LinkedHashMap<ParamRef, Double>();
            double highest = 0;
            for (var entry : byLayer.entrySet()) {
                if (entry.getValue().size() != n) {
                    throw new PluginFailedException("schedule '" + schedule.id() + "' planned a different number of steps for "
                            + entry.getKey() + "'s target; a schedule's step count must not depend on the target");
                }
                double t = entry.getValue().get(k).targetSparsity();
                targets.put(entry.getKey(), t);
                highest = Math.max(highest, t);
            }
            var template = byLayer.values().iterator().next().get(k);
            steps.add(new PlannedStep(new ScheduleStep(template.index(), highest, template.finetuneEpochs()), targets));
        }
        return steps;
    }

    private static List<ScheduleStep> ask(PruningSchedule schedule, ScheduleSpec spec) {
        List<ScheduleStep> steps;
        try {
            steps = schedule.plan(spec);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("schedule '" + schedule.id() + "': " + ClosestMatch.message(e), e);
        } catch (RuntimeException e) {
            throw new PluginFailedException("schedule '" + schedule.id() + "' failed to plan: " + e, e);
        }
        check(schedule, spec, steps);
        return steps;
    }

    private static void check(PruningSchedule schedule, ScheduleSpec spec, List<ScheduleStep> steps) {
        String who = "schedule '" + schedule.id() + "' ";
        if (steps == null || steps.isEmpty()) {
            throw new PluginFailedException(who + "planned no steps");
        }
        double previous = 0;
        for (int i = 0; i < steps.size(); i++) {
            var step = steps.get(i);
            if (step.index() != i + 1) {
                throw new PluginFailedException(who + "numbered step " + (i + 1) + " as " + step.index());
            }
            if (step.targetSparsity() < previous - TOLERANCE) {
                throw new PluginFailedException(who + "lowered the target at step " + step.index() + " ("
                        + previous + " -> " + step.targetSparsity() + "); pruned weights cannot grow back");
            }
            previous = step.targetSparsity();
        }
        if (Math.abs(previous - spec.target()) > TOLERANCE) {
            throw new PluginFailedException(who + "ended at " + previous + " instead of the target " + spec.target());
        }
    }
}
