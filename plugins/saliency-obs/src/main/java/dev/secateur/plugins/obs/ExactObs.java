package dev.secateur.plugins.obs;

import dev.secateur.spi.ParamView;
import dev.secateur.spi.Requirement;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * OBS with the damped empirical Fisher F = AᵀA + λI of one parameter, A = G/√N for N per-sample gradients
 * G. F is P×P (P weights, up to hundreds of thousands) but has rank N ≪ P, so it is never formed: the
 * Woodbury identity F⁻¹ = (1/λ)(I − Aᵀ(λI + AAᵀ)⁻¹A) needs only an N×N inverse, which makes the exact
 * inverse affordable for every layer of an MNIST-sized net. Cross-layer blocks are left out, as in
 * WoodFisher (Singh &amp; Alistarh 2020).
 *
 * <p>Removing a whole set Q at once (δw_Q = −w_Q), the optimum of the quadratic model over the kept set
 * K is δw_K = −F_KK⁻¹·F_KQ·δw_Q = F_KK⁻¹·F_KQ·w_Q, where F_KQ·w_Q = A_Kᵀ(A_Q·w_Q) and F_KK⁻¹ is again a Woodbury product: the
 * joint update, not a sum of single-weight updates.
 */
final class ExactObs {

    private final INDArray a;
    private final double lambda;

    private ExactObs(INDArray a, double lambda) {
        this.a = a;
        this.lambda = lambda;
    }

    static ExactObs of(ParamView param, double damping) {
        // float keeps N × P affordable (P is every weight of the layer); the N × N core is inverted in double
        INDArray g = param.statistic(Requirement.SAMPLE_GRADIENTS).orElseThrow().castTo(DataType.FLOAT);
        long n = g.rows();
        INDArray a = g.div(Math.sqrt(n));
        double meanDiagonal = a.mul(a).sumNumber().doubleValue() / a.columns();
        return new ExactObs(a, damping * (meanDiagonal > 0 ? meanDiagonal : 1.0));
    }

    /** w_q² / (2·[F⁻¹]_qq) for every weight q of the kept set. */
    INDArray saliency(ParamView param) {
        INDArray mask = flat(param.mask());
        INDArray ak = a.mulRowVector(mask);
        INDArray m = woodburyCore(ak);
        INDArray b = m.mmul(ak);
        INDArray diagInverse = ak.mul(b).sum(0).rsubi(1.0).divi(lambda);
        INDArray w = flat(param.weights());
        INDArray s = w.mul(w).divi(diagInverse.muli(2.0));
        return s.reshape('c', param.shape()).castTo(param.weights().dataType());
    }

    /** The weights after removing the entries where {@code keep} is 0, with the others moved optimally. */
    INDArray compensate(ParamView param, INDArray keep) {
        INDArray w = flat(param.weights());
        INDArray k = flat(keep);
        INDArray removed = flat(param.mask()).sub(k);
        INDArray ak = a.mulRowVector(k);
        INDArray r = a.mmul(w.mul(removed).reshape(w.length(), 1));          // A_Q·w_Q, [N, 1]
        INDArray v = ak.transpose().mmul(r);                                   // F_KQ·w_Q, [P, 1]
        INDArray t = ak.transpose().mmul(woodburyCore(ak).mmul(ak.mmul(v)));   // A_Kᵀ(λI + A_K A_Kᵀ)⁻¹A_K v
        INDArray delta = v.sub(t).divi(lambda).reshape(1, w.length());
        INDArray updated = w.add(delta).muli(k);
        return updated.reshape('c', param.shape()).castTo(param.weights().dataType());
    }

    /** (λI + A Aᵀ)⁻¹, N×N. */
    private INDArray woodburyCore(INDArray ak) {
        INDArray core = ak.mmul(ak.transpose()).castTo(DataType.DOUBLE);
        core.addi(Nd4j.eye(core.rows()).castTo(DataType.DOUBLE).muli(lambda));
        return Nd4j.create(Cholesky.inverse(core.toDoubleMatrix())).castTo(DataType.FLOAT);
    }

    private static INDArray flat(INDArray x) {
        return x.castTo(DataType.FLOAT).dup('c').reshape(1, x.length());
    }
}
