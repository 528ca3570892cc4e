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
     * The granularity the pruner will use. A criterion that is not additive over weights, such as the
     * loss oracle, measures whole units when this is structured; every other method can ignore it.
     */
    default Granularity granularity() {
        return Granularity.unstructured();
    }

    /**
     * Output channels per structured unit: 1 for a neuron or filter; an attention head's width for a query, key or
     * value layer, whose units are heads of that many adjacent output columns. {@link Units} counts and spreads by it.
     */
    default int unitWidth() {
        return 1;
    }

    /**
     * How many spatial positions each output unit is evaluated at per sample: 1 for a dense layer, the
     * output height × width for a convolution. With {@link #shape()} it gives a unit's FLOPs. Known once a
     * statistics pass has run; 1 otherwise.
     */
    default long outputPositions() {
        return 1;
    }

    /**
     * The fraction of this parameter's weights that will be pruned after this step, when the scope gives each
     * parameter its own target (layer-wise or per-layer); NaN under a global threshold, which is known only once
     * every parameter is scored. A method whose mask selection adapts as it goes (SparseGPT) reads it so that its
     * scores order the weights as its own selection would; every other method ignores it.
     */
    default double targetSparsity() {
        return Double.NaN;
    }

    /** The loss probe, present only if some requested method declared {@link Requirement#LOSS_ORACLE}. */
    default Optional<LossProbe> lossProbe() {
        return Optional.empty();
    }

    /**
     * A seed for this parameter, derived from the experiment seed and the parameter name, so a seeded
     * method gives the same scores for the same experiment on every run.
     */
    long seed();
}
