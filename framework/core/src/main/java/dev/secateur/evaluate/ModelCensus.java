package dev.secateur.evaluate;

import dev.secateur.spi.ParamRef;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Counts taken from the network itself, not from the masks: what is really zero is what is reported.
 *
 * @param params         all parameters, biases included
 * @param nonzeroParams  parameters that are not zero
 * @param weights        entries of all prunable weight tensors
 * @param zeroWeights    of those, the zeros
 * @param layerSparsity  per weight tensor, the fraction of zeros
 * @param flops          floating-point operations per example of the dense network: 2 per
 *                       multiply-accumulate of dense, convolution and depthwise layers, of a language model's
 *                       head and of attention's QKᵀ and sum over V, plus the bias adds
 * @param effectiveFlops the same, counting only nonzero weights and biases (attention's products all count)
 */
public record ModelCensus(long params, long nonzeroParams, long weights, long zeroWeights,
                          SortedMap<ParamRef, Double> layerSparsity, long flops, long effectiveFlops) {

    public ModelCensus {
        layerSparsity = Collections.unmodifiableSortedMap(new TreeMap<>(layerSparsity));
    }

    /** Zeros over all prunable weights. */
    public double sparsity() {
        return weights == 0 ? 0.0 : (double) zeroWeights / weights;
    }
}
