package dev.secateur.spi;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A pruning decision, computed before anything changes, then persisted, then applied.
 *
 * @param step           the schedule step it belongs to
 * @param targetSparsity the target the step aimed at, over the parameters in scope
 * @param scope          how the target was shared among parameters
 * @param granularity    what was removed as one unit
 * @param masks          one mask per pruned parameter, same shape as its weights: 1 kept, 0 pruned
 * @param provenance     the plugins, versions and seed behind it
 */
public record PruningPlan(int step, double targetSparsity, Scope scope, Granularity granularity,
                          SortedMap<ParamRef, INDArray> masks, Provenance provenance) {

    public PruningPlan {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(granularity, "granularity");
        Objects.requireNonNull(provenance, "provenance");
        masks = Collections.unmodifiableSortedMap(new TreeMap<>(masks));
    }

    public static PruningPlan of(int step, double target, Scope scope, Granularity granularity,
                                 Map<ParamRef, INDArray> masks, Provenance provenance) {
        return new PruningPlan(step, target, scope, granularity, new TreeMap<>(masks), provenance);
    }
}
