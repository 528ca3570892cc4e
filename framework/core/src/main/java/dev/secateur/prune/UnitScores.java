package dev.secateur.prune;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.PrunableParam;
import dev.secateur.model.UnitGroup;
import dev.secateur.model.UnitReduction;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Units;
import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The scores of one parameter at the pruner's granularity: one per weight, or one per output unit
 * (neuron or filter), with which units are already pruned.
 */
record UnitScores(PrunableParam param, ThresholdSelector.Source source, long count, long alreadyPruned,
                  boolean structured) {

    static UnitScores unstructured(PrunableParam param, INDArray scores, INDArray mask) {
        var s = UnitReduction.contiguousFloats(scores);
        var m = mask == null ? null : UnitReduction.contiguousFloats(mask);
        long already = m == null ? 0 : m.length() - m.sumNumber().longValue();
        return new UnitScores(param, ThresholdSelector.Source.of(s, m), s.length(), already, false);
    }

    /**
     * Reduces element scores to one score per output unit. Under a global scope the best unit of each
     * layer is protected, so no layer loses all of its units.
     */
    static UnitScores structured(PrunableParam param, INDArray scores, INDArray mask, GroupReduction reduction,
                                 boolean protectBestUnit) {
        return structured(param, scores, mask, reduction, protectBestUnit, List.of());
    }

    /**
     * The same, for a layer whose units are shared with followers (through residual adds, or a head's query, key and
     * value): a unit's score is the sum of its reduced scores in every layer of the group, as Torch-Pruning sums a
     * group's importance.
     */
    static UnitScores structured(PrunableParam param, INDArray scores, INDArray mask, GroupReduction reduction,
                                 boolean protectBestUnit, List<INDArray> followerScores) {
        float[] unitScores = UnitReduction.reduce(param, scores, reduction).castTo(DataType.FLOAT).toFloatVector();
        for (int f = 0; f < followerScores.size(); f++) {
            float[] more = UnitReduction.reduce(param.followers().get(f), followerScores.get(f), reduction).castTo(DataType.FLOAT).toFloatVector();
            for (int u = 0; u < unitScores.length; u++) {
                unitScores[u] += more[u];
            }
        }
        float[] unitMask = new float[unitScores.length];
        Arrays.fill(unitMask, 1f);
        long already = 0;
        if (mask != null) {
            // a unit counts as pruned when its whole slice is masked
            float[] alive = UnitReduction.reduce(param, mask, GroupReduction.MAX).castTo(DataType.FLOAT).toFloatVector();
            for (int u = 0; u < alive.length; u++) {
                if (alive[u] == 0f) {
                    unitMask[u] = 0f;
                    already++;
                }
            }
        }
        if (protectBestUnit) {
            int best = -1;
            for (int u = 0; u < unitScores.length; u++) {
                if (unitMask[u] != 0f && (best < 0 || unitScores[u] > unitScores[best])) {
                    best = u;
                }
            }
            if (best >= 0) {
                unitScores[best] = Float.POSITIVE_INFINITY;
            }
        }
        return new UnitScores(param, new ThresholdSelector.Source(FloatBuffer.wrap(unitScores), FloatBuffer.wrap(unitMask)),
                unitScores.length, already, true);
    }

    /**
     * The masks this selection gives: one entry per weight for unstructured granularity, written straight
     * into a new array; for whole units, the weight and bias masks of the units kept.
     */
    Map<ParamRef, INDArray> masks(Pruner.Selection selection, int step) {
        if (!structured) {
            var mask = Nd4j.createUninitialized(DataType.FLOAT, param.shape(), 'c');
            selection.fill(source, ThresholdSelector.bitsOf(mask));
            Reference.reachabilityFence(source);
            return Map.of(param.weights(), mask);
        }
        int[] keepBits = new int[(int) count];
        selection.fill(source, IntBuffer.wrap(keepBits));
        float[] keep = new float[keepBits.length];
        for (int u = 0; u < keep.length; u++) {
            keep[u] = Float.intBitsToFloat(keepBits[u]);
        }
        refuseEmptyLayer(keep, step);
        int units = keep.length;
        var masks = new HashMap<ParamRef, INDArray>();
        float[] keepChannels = perChannel(keep, param.unitWidth());
        masks.put(param.weights(), Nd4j.create(Units.perWeight(param.kind(), param.shape(), keep), param.shape(), 'c'));
        if (param.hasBias()) {
            masks.put(param.weights().bias(), Nd4j.create(keepChannels, param.biasShape(), 'c'));
        }
        for (var follower : param.followers()) {
            masks.put(follower.weights(), Nd4j.create(Units.perWeight(follower.kind(), follower.shape(), keep), follower.shape(), 'c'));
            if (follower.hasBias()) {
                masks.put(follower.weights().bias(), Nd4j.create(keepChannels, follower.biasShape(), 'c'));
            }
        }
        // a batch normalisation's scale and shift (a depthwise bias) go with the unit, so its output is exactly zero;
        // a depthwise filter then reads only zeros, and goes at removal
        param.coupled().stream().filter(ref -> !UnitGroup.isChannelFilters(ref))
                .forEach(ref -> masks.put(ref, Nd4j.create(keep, new long[]{units}, 'c')));
        return masks;
    }

    /** One entry per output channel: each unit's value repeated over its {@code width} channels. */
    private static float[] perChannel(float[] perUnit, int width) {
        float[] out = new float[perUnit.length * width];
        for (int c = 0; c < out.length; c++) {
            out[c] = perUnit[c / width];
        }
        return out;
    }

    private void refuseEmptyLayer(float[] keep, int step) {
        for (float k : keep) {
            if (k != 0f) {
                return;
            }
        }
        throw new BadInputException("step " + step + " would remove all " + count + " units of " + param.weights()
                + ", which leaves the network without a path from input to output; lower the target for that layer or exclude it");
    }
}
