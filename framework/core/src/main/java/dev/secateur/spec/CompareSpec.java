package dev.secateur.spec;

import dev.secateur.spi.Granularity;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A criteria comparison (Molchanov et al. 2016): score the chosen layers with every criterion and with
 * a reference, and rank-correlate each criterion with the reference, per layer. Nothing is pruned.
 *
 * @param criteria    the saliency methods compared, with their options
 * @param against     the reference, usually the oracle
 * @param layers      the parameters compared, such as {@code 2_W}; empty means every prunable one
 * @param granularity what is ranked: whole units (filters, neurons) or single weights
 */
public record CompareSpec(List<SaliencySpec> criteria, SaliencySpec against, List<ParamRef> layers, Granularity granularity) {

    public CompareSpec {
        criteria = List.copyOf(criteria);
        layers = List.copyOf(layers);
        Objects.requireNonNull(against, "against");
        Objects.requireNonNull(granularity, "granularity");
        if (criteria.isEmpty()) {
            throw new IllegalArgumentException("compare needs at least one criterion: criteria 'magnitude', 'taylor'");
        }
        if (granularity instanceof Granularity.SemiStructured) {
            throw new IllegalArgumentException("compare ranks units or weights; N:M is a pattern, not a ranking. Use filters(), neurons() or unstructured()");
        }
    }

    /** The criteria and then the reference: every method the comparison runs. */
    public List<SaliencySpec> methods() {
        var all = new ArrayList<>(criteria);
        all.add(against);
        return List.copyOf(all);
    }
}
