package dev.secateur.score;

import dev.secateur.data.Dataset;
import dev.secateur.model.Network;
import dev.secateur.model.PrunableParam;
import dev.secateur.spi.LossProbe;

/** The loss probe the scorer hands the oracle, for a cluster worker measuring one unit of it. */
public final class LossProbes {

    private LossProbes() {
    }

    public static LossProbe local(Network net, PrunableParam param, Dataset calibration) {
        return new NetworkLossProbe(net, param, calibration, null);
    }
}
