package dev.secateur.plugins.magnitude;

import dev.secateur.spi.Options;
import dev.secateur.spi.ParamView;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.SaliencyMethod;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pf4j.Extension;

/**
 * Han et al. 2015: a weight matters as much as it is large. With {@code norm: 'l1'} the score is |w|,
 * with {@code norm: 'l2'} it is w². Both rank single weights alike; for whole filters or neurons they
 * become the group's L1 norm or squared L2 norm once the pruner sums them.
 *
 * <p>{@code norm: 'lamp'} is Lee et al. 2021's layer-adaptive magnitude: w² over the sum of w² of the weights of
 * the same parameter that are at least as large (ties in index order). Within a layer it ranks weights as w² does;
 * across layers it is comparable, each layer's largest weight scoring 1, so a global threshold never empties a
 * layer and sets each layer's sparsity from the shape of its own distribution. It is meant for single weights.
 */
@Extension
public final class MagnitudeSaliency implements SaliencyMethod {

    @Override
    public String id() {
        return "magnitude";
    }

    @Override
    public String description() {
        return "weight magnitude, |w| (norm: 'l1') or w² (norm: 'l2') (Han et al. 2015), or layer-adaptive (norm: 'lamp', Lee et al. 2021)";
    }

    @Override
    public Set<Requirement> requirements() {
        return Set.of(Requirement.WEIGHTS);
    }

    @Override
    public Map<String, String> options() {
        return Map.of("norm", "'l1' scores |w| (default), 'l2' scores w², 'lamp' scores w² over the sum of w² of the layer's "
                + "weights at least as large (Lee et al. 2021)");
    }

    @Override
    public void validate(Options options) {
        norm(options);
    }

    @Override
    public INDArray score(ParamView param, Options options) {
        INDArray w = param.weights();
        return switch (norm(options)) {
            case "l2" -> w.mul(w);
            case "lamp" -> lamp(w);
            default -> Transforms.abs(w, true);
        };
    }

    private static String norm(Options options) {
        return options.choice("norm", "l1", "l1", "l2", "lamp");
    }

    private static INDArray lamp(INDArray w) {
        double[] values = w.dup('c').data().asDouble();
        int n = values.length;
        // ascending by |w| (a non-negative float orders as its bits do), ties by index: magnitude bits, then index
        long[] order = new long[n];
        for (int i = 0; i < n; i++) {
            order[i] = ((long) Float.floatToIntBits(Math.abs((float) values[i])) << 32) | i;
        }
        Arrays.sort(order);
        double[] scores = new double[n];
        double atLeastAsLarge = 0;
        for (int k = n - 1; k >= 0; k--) {
            int i = (int) order[k];
            double square = values[i] * values[i];
            atLeastAsLarge += square;
            scores[i] = atLeastAsLarge == 0 ? 0 : square / atLeastAsLarge;
        }
        return Nd4j.create(scores, w.shape(), 'c').castTo(w.dataType());
    }
}
