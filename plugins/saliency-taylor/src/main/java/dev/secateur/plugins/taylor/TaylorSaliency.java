package dev.secateur.plugins.taylor;

import dev.secateur.spi.LayerKind;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamView;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.SaliencyMethod;
import dev.secateur.spi.Units;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pf4j.Extension;

/**
 * First-order Taylor criterion (Molchanov et al. 2016): removing feature map k changes the loss by about
 * Θ_k = |mean over samples and positions of z·dL/dz|, then Θ is L2-normalised within the layer so layers
 * compare. With {@code flops: λ} the score becomes Θ − λ·(the unit's MFLOPs), clamped at 0, as in the
 * paper's FLOPs regularisation. It scores whole units; every weight of a unit gets an equal share.
 */
@Extension
public final class TaylorSaliency implements SaliencyMethod {

    @Override
    public String id() {
        return "taylor";
    }

    @Override
    public String description() {
        return "first-order Taylor |mean(z·dL/dz)| per neuron or filter, L2-normalised per layer (Molchanov et al. 2016)";
    }

    @Override
    public Set<Requirement> requirements() {
        return Set.of(Requirement.ACTIVATION_GRADIENTS);
    }

    @Override
    public Map<String, String> options() {
        return Map.of("flops", "λ of the FLOPs penalty Θ − λ·MFLOPs of the unit (default 0)");
    }

    @Override
    public void validate(Options options) {
        flops(options);
    }

    @Override
    public INDArray score(ParamView param, Options options) {
        INDArray terms = param.statistic(Requirement.ACTIVATION_GRADIENTS).orElseThrow();
        double[] theta = terms.mean(0).toDoubleVector();
        double norm = 0;
        for (int u = 0; u < theta.length; u++) {
            theta[u] = Math.abs(theta[u]);
            norm += theta[u] * theta[u];
        }
        norm = Math.sqrt(norm);
        double lambda = flops(options);
        double unitMflops = 2.0 * inputsPerUnit(param) * param.outputPositions() / 1e6;
        for (int u = 0; u < theta.length; u++) {
            theta[u] = Math.max(0, (norm > 0 ? theta[u] / norm : 0) - lambda * unitMflops);
        }
        return Units.spread(param, theta);
    }

    private static long inputsPerUnit(ParamView param) {
        long[] s = param.shape();
        return param.layerKind() == LayerKind.CONVOLUTION ? s[1] * s[2] * s[3] : s[0];
    }

    private static double flops(Options options) {
        double lambda = options.number("flops", 0);
        if (lambda < 0 || !Double.isFinite(lambda)) {
            throw new IllegalArgumentException("option 'flops' = " + lambda + " must be a finite number >= 0, for example flops: 1e-3");
        }
        return lambda;
    }
}
