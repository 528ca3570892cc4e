package dev.secateur.score;

import dev.secateur.model.Network;
import dev.secateur.model.PrunableParam;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.LossProbe;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.ParamView;
import dev.secateur.spi.Requirement;
import java.util.Map;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A {@link ParamView} over a live network parameter, its mask and the gathered statistics. */
final class NetworkParamView implements ParamView {

    private final PrunableParam param;
    private final INDArray weights;
    private final INDArray mask;
    private final Map<Requirement, INDArray> statistics;
    private final long seed;
    private final Granularity granularity;
    private final LossProbe probe;
    private final long outputPositions;
    private final double targetSparsity;

    NetworkParamView(Network net, PrunableParam param, INDArray mask, Statistics statistics,
                     Granularity granularity, long experimentSeed, double targetSparsity) {
        this.targetSparsity = targetSparsity;
        this.param = param;
        this.weights = net.layer(param.weights().layer()).getParam(param.weights().key());
        this.mask = mask;
        this.statistics = statistics.of(param.weights());
        this.granularity = granularity;
        this.probe = statistics.requested().contains(Requirement.LOSS_ORACLE) && statistics.calibration() != null
                ? new NetworkLossProbe(net, param, statistics.calibration(), statistics.unitLosses()) : null;
        this.seed = seedFor(experimentSeed, param.weights());
        this.outputPositions = statistics.outputPositions().getOrDefault(param.weights(), 1L);
    }

    /** Mixes the experiment seed with the parameter name (SplitMix64's finaliser). */
    static long seedFor(long experimentSeed, ParamRef ref) {
        long z = experimentSeed * 0x9E3779B97F4A7C15L + ref.toString().hashCode();
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public ParamRef ref() {
        return param.weights();
    }

    @Override
    public LayerKind layerKind() {
        return param.kind();
    }

    @Override
    public long[] shape() {
        return param.shape().clone();
    }

    @Override
    public int unitWidth() {
        return param.unitWidth();
    }

    @Override
    public INDArray weights() {
        return weights;
    }

    @Override
    public INDArray mask() {
        return mask;
    }

    @Override
    public Optional<INDArray> statistic(Requirement requirement) {
        return requirement == Requirement.WEIGHTS ? Optional.of(weights) : Optional.ofNullable(statistics.get(requirement));
    }

    @Override
    public long outputPositions() {
        return outputPositions;
    }

    @Override
    public Granularity granularity() {
        return granularity;
    }

    @Override
    public double targetSparsity() {
        return targetSparsity;
    }

    @Override
    public Optional<LossProbe> lossProbe() {
        return Optional.ofNullable(probe);
    }

    @Override
    public long seed() {
        return seed;
    }
}
