package dev.secateur.spi.testing;

import dev.secateur.spi.Granularity;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.LossProbe;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.ParamView;
import dev.secateur.spi.Requirement;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link ParamView} over plain arrays, for unit-testing a plugin without the framework.
 *
 * @param ref         the parameter name
 * @param layerKind   the layer kind, which fixes the layout
 * @param weights     the weights
 * @param mask        the mask, 1 kept and 0 pruned
 * @param statistics  statistics by requirement
 * @param seed        the per-parameter seed
 * @param granularity the pruner's granularity
 * @param probe       the loss probe, or null
 * @param targetSparsity the step's target for this parameter, NaN when the scope gives it none
 */
public record ArrayParamView(ParamRef ref, LayerKind layerKind, INDArray weights, INDArray mask,
                             Map<Requirement, INDArray> statistics, long seed, Granularity granularity,
                             LossProbe probe, double targetSparsity) implements ParamView {

    public ArrayParamView(ParamRef ref, LayerKind layerKind, INDArray weights, INDArray mask,
                          Map<Requirement, INDArray> statistics, long seed) {
        this(ref, layerKind, weights, mask, statistics, seed, Granularity.unstructured(), null, Double.NaN);
    }

    /** A dense parameter with an all-ones mask and no statistics. */
    public static ArrayParamView dense(String ref, INDArray weights, long seed) {
        return new ArrayParamView(ParamRef.parse(ref), LayerKind.DENSE, weights,
                Nd4j.onesLike(weights), new EnumMap<>(Requirement.class), seed);
    }

    /** This view with one more statistic. */
    public ArrayParamView with(Requirement requirement, INDArray statistic) {
        var more = new EnumMap<Requirement, INDArray>(Requirement.class);
        more.putAll(statistics);
        more.put(requirement, statistic);
        return new ArrayParamView(ref, layerKind, weights, mask, more, seed, granularity, probe, targetSparsity);
    }

    /** This view as the pruner would show it at another granularity, with a loss probe. */
    public ArrayParamView with(Granularity granularity, LossProbe probe) {
        return new ArrayParamView(ref, layerKind, weights, mask, statistics, seed, granularity, probe, targetSparsity);
    }

    /** This view as the pruner would show it at a granularity and a step target of its own. */
    public ArrayParamView with(Granularity granularity, double targetSparsity) {
        return new ArrayParamView(ref, layerKind, weights, mask, statistics, seed, granularity, probe, targetSparsity);
    }

    @Override
    public long[] shape() {
        return weights.shape();
    }

    @Override
    public Optional<INDArray> statistic(Requirement requirement) {
        return requirement == Requirement.WEIGHTS ? Optional.of(weights)
                : Optional.ofNullable(statistics.get(requirement));
    }

    @Override
    public Optional<LossProbe> lossProbe() {
        return Optional.ofNullable(probe);
    }
}
