package dev.secateur.plugins.magnitude;

import dev.secateur.spi.Options;
import dev.secateur.spi.ParamView;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.SaliencyMethod;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pf4j.Extension;

/**
 * Han et al. 2015: a weight matters as much as it is large. With {@code norm: 'l1'} the score is |w|,
 * with {@code norm: 'l2'} it is w². Both rank single weights alike; for whole filters or neurons they
 * become the group's L1 norm or squared L2 norm once the pruner sums them.
 */
@Extension
public final class MagnitudeSaliency implements SaliencyMethod {

    @Override
    public String id() {
        return "magnitude";
    }

    @Override
    public String description() {
        return "weight magnitude, |w| (norm: 'l1') or w² (norm: 'l2') (Han et al. 2015)";
    }

    @Override
    public Set<Requirement> requirements() {
        return Set.of(Requirement.WEIGHTS);
    }

    @Override
    public Map<String, String> options() {
        return Map.of("norm", "'l1' scores |w| (default), 'l2' scores w²");
    }

    @Override
    public void validate(Options options) {
        norm(options);
    }

    @Override
    public INDArray score(ParamView param, Options options) {
        INDArray w = param.weights();
        return "l2".equals(norm(options)) ? w.mul(w) : Transforms.abs(w, true);
    }

    private static String norm(Options options) {
        return options.choice("norm", "l1", "l1", "l2");
    }
}
