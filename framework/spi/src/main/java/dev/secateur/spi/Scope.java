package dev.secateur.spi;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which parameters one target applies to, and how the budget is shared among them.
 */
public sealed interface Scope permits Scope.LayerWise, Scope.Global, Scope.PerLayer {

    /** Parameters that are never pruned. */
    Set<ParamRef> excluded();

    /** A short id for files and metrics tags. */
    String id();

    /** Every parameter in scope reaches the step's target on its own. */
    record LayerWise(Set<ParamRef> excluded) implements Scope {
        public LayerWise {
            excluded = sorted(excluded);
        }

        @Override
        public String id() {
            return "layer-wise";
        }
    }

    /** One threshold across all parameters in scope, so layers end at different sparsities (Han et al.). */
    record Global(Set<ParamRef> excluded) implements Scope {
        public Global {
            excluded = sorted(excluded);
        }

        @Override
        public String id() {
            return "global";
        }
    }

    /**
     * Each listed parameter has its own final target; the schedule is applied to each target. Parameters
     * not listed are not pruned.
     */
    record PerLayer(Map<ParamRef, Double> targets, Set<ParamRef> excluded) implements Scope {
        public PerLayer {
            var copy = new TreeMap<ParamRef, Double>();
            targets.forEach((ref, t) -> copy.put(ref, ScheduleSpec.requireSparsity("per-layer " + ref, t)));
            if (copy.isEmpty()) {
                throw new IllegalArgumentException("per-layer scope needs at least one target, such as perLayer('0_W': 0.9)");
            }
            targets = Collections.unmodifiableMap(copy);
            excluded = sorted(excluded);
        }

        @Override
        public String id() {
            return "per-layer";
        }
    }

    private static Set<ParamRef> sorted(Set<ParamRef> refs) {
        return Collections.unmodifiableSet(new TreeSet<>(refs));
    }
}
