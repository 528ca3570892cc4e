package dev.secateur.finetune;

import dev.secateur.prune.MaskSet;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Re-applies the masks after every parameter update, so pruned weights stay exactly zero whatever the
 * optimiser's momentum does. DL4J calls {@code iterationDone} after the update has been written to the
 * parameters, and {@code getParam} returns views into them, so the multiply sticks.
 */
final class MaskEnforcer extends BaseTrainingListener {

    private final List<INDArray[]> pairs = new ArrayList<>();

    MaskEnforcer(MultiLayerNetwork net, MaskSet masks) {
        masks.masks().forEach((ref, mask) -> {
            var param = net.getLayer(ref.layer()).getParam(ref.key());
            pairs.add(new INDArray[]{param, MaskSet.inOrderOf(param, mask)});
        });
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        for (INDArray[] pair : pairs) {
            pair[0].muli(pair[1]);
        }
    }
}
