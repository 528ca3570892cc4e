package dev.secateur.spi;

import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Read-only access to one prunable parameter, as a {@link SaliencyMethod} sees it.
 *
 * <p>Layer-type handling lives here, once: a plugin learns the layout from {@link #layerKind()} and
 * never touches DL4J layer classes. Arrays returned by this view are views into live state and must
 * not be modified; a method that needs scratch space allocates its own.
 */
public interface ParamView {

    /** The parameter's name, such as {@code 2_W}. */
    ParamRef ref();

    /** The kind of layer, which fixes the weight layout. */
    LayerKind layerKind();

    /** The weight shape: [nIn, nOut] for dense layers, [nOut, nIn, kH, kW] for convolutions. */
    long[] shape();

    /** The current weights. Pruned entries are already zero. */
    INDArray weights();

    /** The current mask, same shape as the weights: 1 where the weight is kept, 0 where pruned. */
    INDArray mask();

    /**
     * A statistic gathered by the scorer's shared pass, present only if some requested method declared
     * it in {@link SaliencyMethod#requirements()}.
     */
    Optional<INDArray> statistic(Requirement requirement);

    /**
     * A seed for this parameter, derived from the experiment seed and the parameter name, so a seeded
     * method gives the same scores for the same experiment on every run.
     */
    long seed();
}
