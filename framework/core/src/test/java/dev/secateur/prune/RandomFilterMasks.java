package dev.secateur.prune;

import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.score.ScoreSet;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.PruningPlan;
import dev.secateur.spi.Scope;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** For tests: whole filters and neurons of every layer pruned at random, as the pruner plans them, applied in place. */
public final class RandomFilterMasks {

    private static final Provenance PROVENANCE = new Provenance("random", "1", Options.NONE, "one-shot", "1", 1L);

    private RandomFilterMasks() {
    }

    /** Removes {@code target} of every removable group's units, chosen by random scores from {@code seed}; returns the plan. */
    public static PruningPlan apply(Network net, double target, long seed) {
        var params = NetworkLayout.prunable(net);
        var scores = new HashMap<ParamRef, INDArray>();
        Nd4j.getRandom().setSeed(seed);
        params.forEach(p -> scores.put(p.weights(), Nd4j.rand(DataType.FLOAT, p.shape())));
        var plan = new Pruner().plan(params, ScoreSet.of(scores, "random", "1"), MaskSet.NONE,
                Granularity.structured(GroupReduction.L1), new Scope.LayerWise(Set.of()), new Pruner.StepTarget(1, target, Map.of()),
                PROVENANCE);
        MaskSet.of(plan.masks()).applyTo(net);
        return plan;
    }
}
