package dev.secateur.model;

import dev.secateur.spi.GroupReduction;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Element scores reduced to one score per output unit (neuron or filter), the way structured pruning
 * ranks units. The pruner, the scorer's criteria comparisons and the shrinker all reduce this one way.
 */
public final class UnitReduction {

    private UnitReduction() {
    }

    /** One score per output unit (a channel, or a head of adjacent channels): the element scores of each unit reduced. */
    public static INDArray reduce(PrunableParam param, INDArray scores, GroupReduction reduction) {
        var s = contiguousFloats(scores);
        int[] others;
        if (param.unitWidth() == 1) {
            int axis = param.kind().outputAxis();
            others = IntStream.range(0, param.shape().length).filter(d -> d != axis).toArray();
        } else if (param.kind().outputAxis() == 0) {
            s = s.reshape('c', param.units(), -1); // a unit's channels, and all their weights, are adjacent
            others = new int[]{1};
        } else {
            s = s.reshape('c', param.size() / param.channels(), param.units(), param.unitWidth());
            others = new int[]{0, 2};
        }
        return switch (reduction) {
            case L1 -> Transforms.abs(s, true).sum(others);
            case L2 -> s.norm2(others);
            case MEAN -> s.mean(others);
            case MAX -> s.max(others);
        };
    }

    /** The same, as a plain array. */
    public static double[] perUnit(PrunableParam param, INDArray scores, GroupReduction reduction) {
        return reduce(param, scores, reduction).castTo(DataType.DOUBLE).toDoubleVector();
    }

    /** The array as float32 in C order from offset 0, copied only if it is not already so; selectors read its buffer directly. */
    public static INDArray contiguousFloats(INDArray a) {
        var c = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        return c.isView() || c.ordering() != 'c' || c.offset() != 0 ? c.dup('c') : c;
    }
}
