package dev.secateur.plugins.obd;

import dev.secateur.spi.Options;
import dev.secateur.spi.ParamView;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.SaliencyMethod;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pf4j.Extension;

/**
 * Optimal Brain Damage (LeCun et al. 1989): removing weight q from a trained net, at a minimum where the
 * gradient vanishes and the Hessian is taken as diagonal, raises the loss by s = ½·h_qq·w_q². The
 * diagonal Hessian is approximated by the diagonal of the empirical Fisher, the mean of per-sample g²,
 * which equals the Gauss-Newton diagonal in expectation when labels follow the model.
 */
@Extension
public final class ObdSaliency implements SaliencyMethod {

    @Override
    public String id() {
        return "obd";
    }

    @Override
    public String description() {
        return "Optimal Brain Damage, ½·h_qq·w² with h_qq the diagonal Fisher (LeCun et al. 1989)";
    }

    @Override
    public Set<Requirement> requirements() {
        return Set.of(Requirement.WEIGHTS, Requirement.GRADIENT_SQUARES);
    }

    @Override
    public INDArray score(ParamView param, Options options) {
        INDArray w = param.weights();
        INDArray fisher = param.statistic(Requirement.GRADIENT_SQUARES).orElseThrow();
        return w.mul(w).muli(fisher.castTo(w.dataType())).muli(0.5);
    }
}
