package dev.secateur.plugins.activation;

import dev.secateur.spi.Options;
import dev.secateur.spi.ParamView;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.SaliencyMethod;
import dev.secateur.spi.Units;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pf4j.Extension;

/**
 * Mean activation (a baseline in Molchanov et al. 2016): a unit whose output is small on average matters
 * little. The score is |mean over samples and positions of z|, which for ReLU units is the plain mean.
 */
@Extension
public final class ActivationSaliency implements SaliencyMethod {

    @Override
    public String id() {
        return "activation";
    }

    @Override
    public String description() {
        return "|mean activation| of each neuron or filter over the calibration set (Molchanov et al. 2016 baseline)";
    }

    @Override
    public Set<Requirement> requirements() {
        return Set.of(Requirement.ACTIVATIONS);
    }

    @Override
    public INDArray score(ParamView param, Options options) {
        double[] mean = param.statistic(Requirement.ACTIVATIONS).orElseThrow().mean(0).toDoubleVector();
        for (int u = 0; u < mean.length; u++) {
            mean[u] = Math.abs(mean[u]);
        }
        return Units.spread(param, mean);
    }
}
