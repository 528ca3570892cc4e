package dev.secateur.model;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Hard swish, {@code x · relu6(x + 3) / 6} (Howard et al. 2019, MobileNetV3; ONNX's HardSwish), which DL4J
 * lacks. It maps 0 to 0, so a removed unit behind it still outputs 0.
 */
public final class ActivationHardSwish extends BaseActivationFunction {

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        var gate = Transforms.relu6(in.add(3.0), false).divi(6.0);
        return in.muli(gate);
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        // d/dx: 0 below -3, 1 above 3, (2x + 3) / 6 between
        var below = in.gt(-3.0).castTo(in.dataType());
        var above = in.gte(3.0).castTo(in.dataType());
        var middle = in.mul(2.0).addi(3.0).divi(6.0).muli(below).muli(above.rsub(1.0));
        var derivative = middle.addi(above);
        return new Pair<>(epsilon.muli(derivative), null);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ActivationHardSwish;
    }

    @Override
    public int hashCode() {
        return ActivationHardSwish.class.hashCode();
    }

    @Override
    public String toString() {
        return "hardswish";
    }
}
