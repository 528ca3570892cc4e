package dev.secateur.score;

import dev.secateur.model.Network;
import dev.secateur.model.PrunableParam;

/**
 * Where the oracle's losses with one unit removed are measured when not here: a cluster's workers, one unit
 * per job, all at once. The answers are what this JVM's loss probe would measure on the same network.
 */
public interface UnitLossSource {

    /** The mean calibration loss with each unit of {@code param} removed in turn, indexed by unit. */
    double[] lossesWithoutEachUnit(Network net, PrunableParam param);
}
