package dev.secateur.run;

import dev.secateur.data.Calibration;
import dev.secateur.errors.BadInputException;
import dev.secateur.errors.PluginFailedException;
import dev.secateur.errors.ClosestMatch;
import dev.secateur.model.PrunableParam;
import dev.secateur.model.UnitGroup;
import dev.secateur.plugin.PluginHost;
import dev.secateur.plugin.PluginPins;
import dev.secateur.prune.Pruner;
import dev.secateur.schedule.StepPlanner;
import dev.secateur.score.Capabilities;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.SaliencySpec;
import dev.secateur.spec.ScheduleChoice;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Scope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Checks a spec against the installed plugins and the loaded model, and plans its steps. It runs before
 * anything is written, so every refusal names the script line of what it refuses and leaves no run
 * directory behind. A plain class: it sees plugin metadata and the loader's description of the model,
 * never a network.
 */
public final class RunPlanner {

    private final PluginHost plugins;

    public RunPlanner(PluginHost plugins) {
        this.plugins = plugins;
    }

    /**
     * What is known before loading: the plugin versions the run holds until {@link #release}, and the
     * schedule's steps.
     */
    public record Choices(PluginPins pins, String saliencyVersion, String scheduleVersion, List<StepPlanner.PlannedStep> steps) {
    }

    /**
     * Everything that can be checked before loading: plugin ids, their options, the schedule's steps. The
     * versions of the plugins it names are pinned for the run; release them with {@link #release}.
     */
    public Choices check(ExperimentSpec spec) {
        at(spec, "saliency", () -> plugins.saliency(spec.saliency().id()));
        var saliencies = new LinkedHashSet<String>();
        saliencies.add(spec.saliency().id());
        if (spec.compare() != null) {
            for (var criterion : spec.compare().methods()) {
                at(spec, "compare", () -> plugins.saliency(criterion.id()));
                saliencies.add(criterion.id());
            }
        }
        if (spec.prunes()) {
            at(spec, "schedule", () -> plugins.schedule(spec.schedule().id()));
        }
        var pins = plugins.pin(saliencies, spec.prunes() ? List.of(spec.schedule().id()) : List.of());
        try {
            return checked(spec, pins);
        } catch (RuntimeException e) {
            plugins.release(pins);
            throw e;
        }
    }

    private Choices checked(ExperimentSpec spec, PluginPins pins) {
        String saliencyVersion = checkSaliency(spec, "saliency", spec.saliency(), pins);
        if (spec.compare() != null) {
            spec.compare().methods().forEach(criterion -> checkSaliency(spec, "compare", criterion, pins));
        }
        if (!spec.prunes()) {
            return new Choices(pins, saliencyVersion, null, List.of());
        }
        var schedule = plugins.schedule(spec.schedule().id(), pins);
        var steps = at(spec, "schedule", () -> {
            var known = new TreeSet<>(schedule.extension().options().keySet());
            known.addAll(ScheduleChoice.NAMES);
            checkOptions("schedule '" + schedule.id() + "'", known, spec.schedule().options());
            return StepPlanner.plan(schedule.extension(), spec.schedule(), spec.scope(), spec.finetune().epochs());
        });
        if (spec.granularity() instanceof Granularity.SemiStructured nm) {
            at(spec, "granularity", () -> checkNmTargets(nm, steps));
        }
        return new Choices(pins, saliencyVersion, schedule.version(), steps);
    }

    /** Lets go of the plugin versions a run held. */
    public void release(PluginPins pins) {
        plugins.release(pins);
    }

    /** After loading: the scope against the model, the methods' requirements, the groups and layers analysed. */
    public RunPlan plan(ExperimentSpec spec, Choices choices, List<PrunableParam> params, List<UnitGroup> groups,
                        Capabilities capabilities) {
        var inScope = at(spec, "scope", () -> Pruner.inScope(params, spec.granularity(), spec.scope()));
        var probed = spec.sensitivity() == null ? List.<PrunableParam>of() : at(spec, "sensitivity", () -> probed(spec, groups, inScope));
        var compared = spec.compare() == null ? List.<PrunableParam>of() : at(spec, "compare", () -> compared(spec, params));
        var pins = choices.pins();
        for (var criterion : spec.compare() == null ? List.<SaliencySpec>of() : spec.compare().methods()) {
            at(spec, "compare", () -> capabilities.check(plugins.saliency(criterion.id(), pins).extension(), criterion.options(), compared));
        }
        if (spec.prunes()) {
            at(spec, "saliency", () -> capabilities.check(plugins.saliency(spec.saliency().id(), pins).extension(),
                    spec.saliency().options(), inScope));
        }
        var denseWeights = new LinkedHashMap<ParamRef, Long>();
        params.forEach(p -> denseWeights.put(p.weights(), p.size()));
        boolean sequential = spec.prunes() && plugins.saliency(spec.saliency().id(), pins).extension().sequential();
        if (sequential && spec.scope() instanceof Scope.Global && !spec.scopeFromSensitivity()) {
            throw new BadInputException("saliency '" + spec.saliency().id() + "' prunes one layer at a time, each to its own "
                    + "target, so it needs scope layerwise() or perLayer(...), not global()" + spec.at("scope"));
        }
        return new RunPlan(spec, pins, choices.saliencyVersion(), choices.scheduleVersion(), choices.steps(), spec.scope(), params,
                inScope, compared, probed, denseWeights, sequential);
    }

    /** The per-layer scope a sensitivity budget chose, and the schedule's steps towards it. */
    public RunPlan withRatios(RunPlan plan, Map<String, Double> ratios) {
        var spec = plan.spec();
        var targets = new LinkedHashMap<ParamRef, Double>();
        ratios.forEach((group, ratio) -> {
            if (ratio > 0) {
                targets.put(ParamRef.parse(group), ratio);
            }
        });
        var scope = at(spec, "scope", () -> new Scope.PerLayer(targets, spec.scope().excluded()));
        var inScope = Pruner.inScope(plan.params(), spec.granularity(), scope);
        var steps = at(spec, "schedule", () -> StepPlanner.plan(plugins.schedule(spec.schedule().id(), plan.pins()).extension(), spec.schedule(), scope,
                spec.finetune().epochs()));
        return new RunPlan(spec, plan.pins(), plan.saliencyVersion(), plan.scheduleVersion(), steps, scope, plan.params(), inScope,
                plan.compared(), plan.probed(), plan.denseWeights(), plan.sequential());
    }

    /** Resolves a saliency and checks its options; returns its version. */
    private String checkSaliency(ExperimentSpec spec, String part, SaliencySpec saliency, PluginPins pins) {
        var found = plugins.saliency(saliency.id(), pins);
        at(spec, part, () -> {
            checkOptions("saliency '" + found.id() + "'", found.extension().options().keySet(), saliency.options());
            try {
                found.extension().validate(saliency.options());
            } catch (IllegalArgumentException e) {
                throw new BadInputException("saliency '" + found.id() + "': " + ClosestMatch.message(e), e);
            }
        });
        return found.version();
    }

    /** N:M fixes the sparsity, so every step must aim at exactly 1 - N/M. */
    private static void checkNmTargets(Granularity.SemiStructured nm, List<StepPlanner.PlannedStep> steps) {
        for (var planned : steps) {
            if (Math.abs(planned.step().targetSparsity() - nm.sparsity()) > 1e-9) {
                throw new BadInputException(nm.n() + ":" + nm.m() + " removes exactly " + nm.sparsity()
                        + " of the weights in every group, but step " + planned.step().index() + " aims at "
                        + planned.step().targetSparsity() + "; use schedule 'one-shot', target: " + nm.sparsity());
            }
        }
    }

    private static void checkOptions(String what, Set<String> known, Options given) {
        for (String option : given.values().keySet()) {
            if (!known.contains(option)) {
                throw new BadInputException(ClosestMatch.unknownOption(what, option, known));
            }
        }
    }

    /**
     * Refuses, once the data is loaded and before any training, a sensitivity {@code recover} that the training split
     * cannot feed beside the validation sample: each point would otherwise fail only after the dense training.
     */
    public static void checkRecoveryData(ExperimentSpec spec, int trainSize) {
        var sensitivity = spec.sensitivity();
        if (sensitivity == null || sensitivity.recover() == 0 || Calibration.outsideValidation(trainSize, sensitivity.samples()) > 0) {
            return;
        }
        at(spec, "sensitivity", () -> {
            throw new BadInputException(Calibration.noRoomForRecovery(sensitivity.recover(), sensitivity.samples(), trainSize + " training examples"));
        });
    }

    /** The parameters a comparison covers: those it names, or every one its granularity can rank. */
    private static List<PrunableParam> compared(ExperimentSpec spec, List<PrunableParam> params) {
        var all = Pruner.inScope(params, spec.compare().granularity(), new Scope.LayerWise(Set.of()));
        var named = spec.compare().layers();
        for (var ref : named) {
            if (all.stream().noneMatch(p -> p.weights().equals(ref))) {
                throw new BadInputException("compare names layer " + ref + ", which " + spec.compare().granularity().id()
                        + " cannot rank in this model; choose from " + all.stream().map(p -> p.weights().toString()).toList());
            }
        }
        return named.isEmpty() ? all : all.stream().filter(p -> named.contains(p.weights())).toList();
    }

    /** The groups a sensitivity analysis covers: those it names, or every removable one in scope. */
    private static List<PrunableParam> probed(ExperimentSpec spec, List<UnitGroup> groups, List<PrunableParam> inScope) {
        var removable = groups.stream()
                .filter(UnitGroup::removable)
                .map(g -> g.producers().get(0))
                .filter(p -> inScope.stream().anyMatch(q -> q.weights().equals(p.weights())))
                .toList();
        if (spec.sensitivity().recover() > 0 && spec.finetune().epochs() == 0) {
            // the points would be priced by what retraining wins back, in a run that never retrains
            throw new BadInputException("sensitivity recover " + spec.sensitivity().recover() + " prices each cut after a short "
                    + "retraining, but this run does not retrain (finetune epochs: 0); give finetune epochs, or leave recover out");
        }
        var named = spec.sensitivity().layers();
        for (var ref : named) {
            if (removable.stream().noneMatch(p -> p.weights().equals(ref))) {
                throw new BadInputException("sensitivity names layer " + ref + ", whose units cannot be removed in this model "
                        + "or which the scope excludes; choose from " + removable.stream().map(p -> p.weights().toString()).toList()
                        + " (bin/secateur plan SCRIPT explains why)");
            }
        }
        var chosen = named.isEmpty() ? removable : removable.stream().filter(p -> named.contains(p.weights())).toList();
        if (chosen.isEmpty()) {
            throw new BadInputException("no layer of this model can be analysed: none has units that can be removed"
                    + " (bin/secateur plan SCRIPT explains why)");
        }
        return new ArrayList<>(chosen);
    }

    /**
     * Runs a check and adds where the part was declared to its message; a plugin's refusal of an option
     * value (an IllegalArgumentException) is bad input too.
     */
    static <T> T at(ExperimentSpec spec, String part, Supplier<T> check) {
        try {
            return check.get();
        } catch (BadInputException e) {
            throw located(spec, part, e);
        } catch (IllegalArgumentException e) {
            String id = pluginId(spec, part);
            throw new BadInputException(part + (id == null ? "" : " '" + id + "'") + ": " + ClosestMatch.message(e) + spec.at(part),
                    e);
        } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError e) {
            // anything else a plugin throws, a failed Groovy assert included, fails the run naming the plugin
            String id = pluginId(spec, part);
            if (id == null || e instanceof PluginFailedException) {
                throw e;
            }
            throw new PluginFailedException(part + " '" + id + "' failed: " + PluginFailedException.describe(e) + spec.at(part), e);
        }
    }

    private static String pluginId(ExperimentSpec spec, String part) {
        return part.equals("saliency") ? spec.saliency().id() : part.equals("schedule") && spec.prunes() ? spec.schedule().id() : null;
    }

    private static void at(ExperimentSpec spec, String part, Runnable check) {
        at(spec, part, () -> {
            check.run();
            return null;
        });
    }

    /** A refusal with the script line of the part it concerns, unless it already names one. */
    static BadInputException located(ExperimentSpec spec, String part, Throwable error) {
        String message = error.getMessage();
        return new BadInputException(message.contains("(at ") ? message : message + spec.at(part), error);
    }
}
