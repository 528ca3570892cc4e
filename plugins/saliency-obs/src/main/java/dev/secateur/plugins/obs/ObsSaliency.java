package dev.secateur.plugins.obs;

import dev.secateur.spi.Options;
import dev.secateur.spi.ParamView;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.SaliencyMethod;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pf4j.Extension;

/**
 * Optimal Brain Surgeon (Hassibi et al. 1993): the loss rises by s_q = w_q² / (2·[H⁻¹]_qq) when weight q
 * is removed and the others move by δw = −(w_q/[H⁻¹]_qq)·H⁻¹e_q, the optimum of the local quadratic
 * model. It scores, and once the pruner has decided the mask it returns the compensated weights.
 *
 * <ul>
 * <li>{@code mode: 'layerwise'} (default), OBC/SparseGPT: per layer H = 2XXᵀ + λI from calibration
 * inputs (im2col patches for convolutions), which is the Hessian of the layer's reconstruction error
 * ‖WX − ŴX‖². Rows are updated with the Cholesky factor of H⁻¹, in column blocks; see {@link LayerwiseObs}.</li>
 * <li>{@code mode: 'exact'}: H is the damped empirical Fisher of the parameter's block,
 * (1/N)·Σgₙgₙᵀ + λI, inverted through the Woodbury identity in sample space; see {@link ExactObs}.</li>
 * </ul>
 * λ is {@code damping} times the mean of H's diagonal: by default 0.01 in layer-wise mode (SparseGPT's
 * choice) and 0.1 in exact mode, where H has rank at most N (the calibration samples) and a small λ lets
 * the update fit those N samples too closely (docs/results/one-shot-obs.md, "The ablations").
 */
@Extension
public final class ObsSaliency implements SaliencyMethod {

    @Override
    public String id() {
        return "obs";
    }

    @Override
    public String description() {
        return "Optimal Brain Surgeon w²/(2[H⁻¹]qq) with the optimal weight update; layer-wise (OBC/SparseGPT) or exact (Fisher)";
    }

    @Override
    public Set<Requirement> requirements() {
        return Set.of(Requirement.WEIGHTS, Requirement.INPUT_GRAM);
    }

    @Override
    public Set<Requirement> requirements(Options options) {
        return exact(options) ? Set.of(Requirement.WEIGHTS, Requirement.SAMPLE_GRADIENTS) : requirements();
    }

    @Override
    public Map<String, String> options() {
        return Map.of("mode", "'layerwise' (default; H = 2XXᵀ per layer) or 'exact' (empirical Fisher of each parameter)",
                "damping", "λ relative to the mean diagonal of H (default 0.01 layer-wise, 0.1 exact)",
                "blockSize", "columns per lazy-update block in layer-wise mode (default 128)");
    }

    @Override
    public void validate(Options options) {
        exact(options);
        damping(options);
        blockSize(options);
    }

    @Override
    public INDArray score(ParamView param, Options options) {
        return exact(options)
                ? ExactObs.of(param, damping(options)).saliency(param)
                : LayerwiseObs.of(param, damping(options)).saliency(param);
    }

    @Override
    public boolean compensates() {
        return true;
    }

    @Override
    public INDArray compensate(ParamView param, INDArray keep, Options options) {
        return exact(options)
                ? ExactObs.of(param, damping(options)).compensate(param, keep)
                : LayerwiseObs.of(param, damping(options)).compensate(param, keep, blockSize(options));
    }

    private static boolean exact(Options options) {
        return options.choice("mode", "layerwise", "layerwise", "exact").equals("exact");
    }

    private static double damping(Options options) {
        return damping(options, exact(options) ? 0.1 : 0.01);
    }

    /** The {@code damping} option, λ relative to H's mean diagonal, checked. */
    static double damping(Options options, double fallback) {
        double d = options.number("damping", fallback);
        if (!(d > 0) || !Double.isFinite(d)) {
            throw new IllegalArgumentException("option 'damping' = " + d + " must be a positive number, for example damping: 0.01");
        }
        return d;
    }

    /** The {@code blockSize} option, columns per lazy-update block (128 by default), checked. */
    static int blockSize(Options options) {
        int b = options.integer("blockSize", 128);
        if (b < 1) {
            throw new IllegalArgumentException("option 'blockSize' = " + b + " must be at least 1");
        }
        return b;
    }
}
