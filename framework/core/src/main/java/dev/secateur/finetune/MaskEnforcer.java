package dev.secateur.finetune;

import dev.secateur.model.MaskSet;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

/**
 * Re-applies the masks after every parameter update, so pruned weights stay exactly zero whatever the
 * optimiser's momentum does. DL4J calls {@code iterationDone} after the update has been written to the
 * parameters, and {@code getParam} returns views into them, so the multiply sticks.
 */
final class MaskEnforcer extends BaseTrainingListener {

    private final MaskSet.Bound masks;

    MaskEnforcer(MaskSet.Bound masks) {
        this.masks = masks;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        masks.apply();
    }
}
