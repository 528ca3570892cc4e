package dev.secateur.score;

import dev.secateur.data.Dataset;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
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
 * removes it: its weights and bias in every layer of its group, and its channel of the parameters coupled to it
 * (a batch normalisation's scale and shift), so what follows sees zero. Sequential networks and graphs alike.
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
        var leader = leader();
        var producers = new ArrayList<PrunableParam>();
        producers.add(leader);
        producers.addAll(leader.followers());
        var weights = new ArrayList<INDArray>();
        var savedWeights = new ArrayList<INDArray>();
        // the biases and the coupled per-channel parameters: one entry per channel of the unit
        var channels = new ArrayList<INDArray>();
        for (var producer : producers) {
            var layer = network.layer(producer.weights().layer());
            weights.add(layer.getParam("W"));
            savedWeights.add(layer.getParam("W").dup());
            if (producer.hasBias()) {
                channels.add(layer.getParam("b"));
            }
        }
        for (var coupled : leader.coupled()) {
            if (UnitGroup.isChannelFilters(coupled)) {
                continue; // a depthwise filter reads the removed channel, which is zero already
            }
            channels.add(network.layer(coupled.layer()).getParam(coupled.key()));
        }
        int width = leader.unitWidth();
        double[][] saved = new double[channels.size()][width];
        try {
            // multiply by a mask rather than assign into a sub-view: sub-views of DL4J's parameter views fail to assign
            for (int i = 0; i < weights.size(); i++) {
                weights.get(i).muli(unitRemoved(producers.get(i), unit));
            }
            for (int i = 0; i < channels.size(); i++) {
                for (int c = 0; c < width; c++) {
                    saved[i][c] = channels.get(i).getDouble((long) unit * width + c);
                    channels.get(i).putScalar((long) unit * width + c, 0);
                }
            }
            return loss();
        } finally {
            for (int i = 0; i < weights.size(); i++) {
                weights.get(i).assign(savedWeights.get(i));
            }
            for (int i = 0; i < channels.size(); i++) {
                for (int c = 0; c < width; c++) {
                    channels.get(i).putScalar((long) unit * width + c, saved[i][c]);
                }
            }
        }
    }

    /**
     * The layer that leads this parameter's unit group, with its followers: a unit is removed from every layer of its
     * group at once (a residual join's layers, or a head's query, key and value), as the pruner removes it.
     */
    private PrunableParam leader() {
        if (!param.follows()) {
            return param;
        }
        return NetworkLayout.prunable(network).stream().filter(p -> p.weights().equals(param.leader())).findFirst()
                .orElseThrow(() -> new IllegalStateException(param.weights() + " follows " + param.leader() + ", which the network lacks"));
    }

    /** Ones, with zeros over one output unit's weights. */
    private static INDArray unitRemoved(PrunableParam param, int unit) {
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
