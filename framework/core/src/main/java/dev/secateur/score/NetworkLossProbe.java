package dev.secateur.score;

import dev.secateur.data.Dataset;
import dev.secateur.model.Network;
import dev.secateur.model.PrunableParam;
import dev.secateur.model.UnitGroup;
import dev.secateur.spi.LossProbe;
import dev.secateur.spi.Units;
import java.util.ArrayList;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Measures the calibration loss with parts of one live parameter zeroed, and puts them back. It runs
 * inside the scorer, which holds the model exclusively while it scores. A unit is removed as the pruner
 * removes it: its weights, its bias, and its channel of the parameters coupled to it (a batch
 * normalisation's scale and shift), so what follows sees zero. Sequential networks and graphs alike.
 */
final class NetworkLossProbe implements LossProbe {

    private final PrunableParam param;
    private final DataSet calibration;
    private double base = Double.NaN;

    /** Where each unit's loss is measured when not here, and the network as the source receives it; nulls for here. */
    private final UnitLossSource remote;
    private final Network network;
    private double[] remoteLosses;

    NetworkLossProbe(Network network, PrunableParam param, Dataset calibration, UnitLossSource remote) {
        this.remote = remote;
        this.network = network;
        this.param = param;
        this.calibration = new DataSet(calibration.features(), calibration.labels());
    }

    @Override
    public double baseLoss() {
        if (Double.isNaN(base)) {
            base = loss();
        }
        return base;
    }

    @Override
    public double lossWithoutUnit(int unit) {
        if (remote != null) {
            if (remoteLosses == null) {
                remoteLosses = remote.lossesWithoutEachUnit(network, param); // every unit at once, on the workers
            }
            return remoteLosses[unit];
        }
        var layer = network.layer(param.weights().layer());
        INDArray w = layer.getParam("W");
        INDArray savedWeights = w.dup();
        // the bias and the coupled per-channel parameters: one entry each for this unit
        var channels = new ArrayList<INDArray>();
        if (param.hasBias()) {
            channels.add(layer.getParam("b"));
        }
        for (var coupled : param.coupled()) {
            if (UnitGroup.isChannelFilters(coupled)) {
                continue; // a depthwise filter reads the removed channel, which is zero already
            }
            channels.add(network.layer(coupled.layer()).getParam(coupled.key()));
        }
        double[] saved = new double[channels.size()];
        try {
            // multiply by a mask rather than assign into a sub-view: sub-views of DL4J's parameter views fail to assign
            w.muli(unitRemoved(unit));
            for (int i = 0; i < channels.size(); i++) {
                saved[i] = channels.get(i).getDouble(unit);
                channels.get(i).putScalar(unit, 0);
            }
            return loss();
        } finally {
            w.assign(savedWeights);
            for (int i = 0; i < channels.size(); i++) {
                channels.get(i).putScalar(unit, saved[i]);
            }
        }
    }

    /** Ones, with zeros over one output unit's weights. */
    private INDArray unitRemoved(int unit) {
        float[] keep = new float[(int) param.units()];
        Arrays.fill(keep, 1f);
        keep[unit] = 0f;
        return Nd4j.create(Units.perWeight(param.kind(), param.shape(), keep), param.shape(), 'c');
    }

    @Override
    public double lossWithoutWeight(long index) {
        INDArray w = network.layer(param.weights().layer()).getParam("W");
        long[] at = Shape.ind2subC(w.shape(), index);
        double saved = w.getDouble(at);
        try {
            w.putScalar(at, 0);
            return loss();
        } finally {
            w.putScalar(at, saved);
        }
    }

    /** The mean per-sample loss, without regularisation terms, which would move with the weights. */
    private double loss() {
        var perExample = network.isGraph() ? network.graph().scoreExamples(calibration, false)
                : network.sequential("the loss probe").scoreExamples(calibration, false);
        return perExample.meanNumber().doubleValue();
    }
}
