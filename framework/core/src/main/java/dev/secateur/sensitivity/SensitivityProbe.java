package dev.secateur.sensitivity;

import dev.secateur.model.Network;
import dev.secateur.data.Dataset;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.model.PrunableParam;
import dev.secateur.prune.MaskSet;
import dev.secateur.prune.Pruner;
import dev.secateur.score.ScoreSet;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One point of a sensitivity curve: the accuracy of a copy of the network with only one unit group pruned
 * at one ratio, chosen by the experiment's scores. The network itself is never changed, so points are
 * independent and can be measured in any order or place.
 */
public final class SensitivityProbe {

    private final Pruner pruner;

    public SensitivityProbe(Pruner pruner) {
        this.pruner = pruner;
    }

    public double accuracy(Network net, PrunableParam group, ScoreSet scores, Granularity.Structured granularity,
                           double ratio, Dataset validation, Provenance provenance) {
        var targets = Map.of(group.weights(), ratio);
        var plan = pruner.plan(List.of(group), scores, MaskSet.NONE, granularity, new Scope.PerLayer(targets, Set.of()),
                new Pruner.StepTarget(1, ratio, targets), provenance);
        var copy = net.copy();
        MaskSet.of(plan.masks()).applyTo(copy);
        return Evaluator.quality(copy, validation).accuracy();
    }
}
