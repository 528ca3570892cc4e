package dev.secateur.model;

import dev.secateur.spi.LayerKind;
import dev.secateur.spi.ParamRef;
import java.util.ArrayList;
import java.util.List;

/**
 * A weight parameter that can be pruned, with its layout.
 *
 * @param weights the weight parameter, such as {@code 0_W}
 * @param kind    the layer kind
 * @param shape   the weight shape
 * @param biasShape the shape of the layer's bias {@code <layer>_b}, or null if it has none
 * @param coupled   per-unit parameters of later layers that belong to the same unit, such as the scale and
 *                  shift of a batch normalisation right after it: removing a unit zeroes them too, so the
 *                  unit's output is exactly 0 and it can be removed physically
 * @param followers other layers whose units are the same units, joined to this one by a residual add (or the key and
 *                  value layers of a query layer's heads): under
 *                  structured pruning their scores add to this layer's and their units go with this layer's
 * @param leader    for a follower, the layer it follows; null otherwise
 * @param unitWidth output channels per structured unit: 1 for a neuron or filter; an attention head's width for
 *                  the query, key and value layers, whose units are heads
 */
public record PrunableParam(ParamRef weights, LayerKind kind, long[] shape, long[] biasShape, List<ParamRef> coupled,
                            List<PrunableParam> followers, ParamRef leader, int unitWidth) {

    public PrunableParam {
        coupled = List.copyOf(coupled);
        followers = List.copyOf(followers);
        if (unitWidth < 1 || shape[kind.outputAxis()] % unitWidth != 0) {
            throw new IllegalArgumentException(weights + ": " + shape[kind.outputAxis()] + " output channels do not split into units of " + unitWidth);
        }
    }

    public PrunableParam(ParamRef weights, LayerKind kind, long[] shape, long[] biasShape, List<ParamRef> coupled,
                         List<PrunableParam> followers, ParamRef leader) {
        this(weights, kind, shape, biasShape, coupled, followers, leader, 1);
    }

    public PrunableParam(ParamRef weights, LayerKind kind, long[] shape, long[] biasShape, List<ParamRef> coupled) {
        this(weights, kind, shape, biasShape, coupled, List.of(), null);
    }

    /** Whether structured pruning decides this layer's units through another layer's (its leader's). */
    public boolean follows() {
        return leader != null;
    }

    public PrunableParam(ParamRef weights, LayerKind kind, long[] shape, long[] biasShape) {
        this(weights, kind, shape, biasShape, List.of());
    }

    /** The parameters and the followers that structured pruning decides with them: everything a scorer must score. */
    public static List<PrunableParam> withFollowers(List<PrunableParam> params) {
        var all = new ArrayList<PrunableParam>();
        for (var p : params) {
            all.add(p);
            all.addAll(p.followers().stream().filter(f -> params.stream().noneMatch(q -> q.weights().equals(f.weights()))).toList());
        }
        return all;
    }

    public boolean hasBias() {
        return biasShape != null;
    }

    public long size() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Output positions per example: H·W of a convolution's output (shape [n, c, h, w]), 1 for a dense layer. */
    public long positions(long[] outputShape) {
        return kind == LayerKind.CONVOLUTION ? outputShape[2] * outputShape[3] : 1;
    }

    /**
     * Output positions per example when {@code examples} examples gave {@code outputShape}: a layer that works on
     * token rows (gpt-tiny's) sees one row per token of each example.
     */
    public long positions(long[] outputShape, long examples) {
        return positions(outputShape) * Math.max(1, outputShape[0] / examples);
    }

    /** FLOPs per example as the census counts them: 2 per multiply-accumulate, plus the bias adds. */
    public long flops(long positions) {
        return 2 * size() * positions + (hasBias() ? channels() * positions : 0);
    }

    /** Output channels: neurons of a dense layer, filters of a convolution. */
    public long channels() {
        return shape[kind.outputAxis()];
    }

    /** Structured units: the output channels, or the attention heads they form ({@link #unitWidth}). */
    public long units() {
        return channels() / unitWidth;
    }
}
