package dev.secateur.plugins.wanda;

import dev.secateur.spi.LayerKind;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamView;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.SaliencyMethod;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pf4j.Extension;

/**
 * Wanda (Sun et al. 2023): |w_ij|·‖X_j‖₂, the weight times the norm of the input feature it multiplies,
 * with no weight update. The paper compares scores within each output row; pair it with
 * {@code unstructured(perOutput: true)} or {@code nm(2, 4)} for that. ‖X_j‖₂ comes from the diagonal of
 * the input Gram matrix (a constant factor, the number of rows, does not change any ranking).
 */
@Extension
public final class WandaSaliency implements SaliencyMethod {

    @Override
    public String id() {
        return "wanda";
    }

    @Override
    public String description() {
        return "|w|·‖X‖₂, weights times input norms, no update (Sun et al. 2023)";
    }

    @Override
    public Set<Requirement> requirements() {
        return Set.of(Requirement.WEIGHTS, Requirement.INPUT_GRAM);
    }

    @Override
    public INDArray score(ParamView param, Options options) {
        INDArray w = param.weights();
        INDArray gram = param.statistic(Requirement.INPUT_GRAM).orElseThrow();
        INDArray norms = Transforms.sqrt(Nd4j.diag(gram).castTo(w.dataType()), false);
        return Transforms.abs(w, true).muli(inputBroadcast(param, norms));
    }

    /** One value per input, laid out to multiply the weights: a column for dense, [1, nIn, kH, kW] for conv. */
    static INDArray inputBroadcast(ParamView param, INDArray perInput) {
        long[] shape = param.shape();
        if (param.layerKind() == LayerKind.CONVOLUTION) {
            return perInput.reshape('c', 1, shape[1], shape[2], shape[3]).broadcast(shape);
        }
        return perInput.reshape(shape[0], 1).broadcast(shape);
    }
}
