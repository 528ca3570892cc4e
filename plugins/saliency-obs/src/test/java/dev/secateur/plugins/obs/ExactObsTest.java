package dev.secateur.plugins.obs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.spi.LayerKind;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.testing.ArrayParamView;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Exact OBS on a quadratic loss L(w) = ½(w − w*)ᵀF(w − w*), where F is exactly the damped empirical
 * Fisher the plugin builds from per-sample gradients. Removing one weight q has a closed-form optimum
 * (a constrained least-squares solve, done here directly on the kept set); OBS's one step must match it,
 * and its saliency must equal the loss increase.
 */
class ExactObsTest {

    private static final int P = 6;
    private static final int N = 4;
    private static final double DAMPING = 0.05;

    @Test
    void oneStepUpdateIsTheClosedFormOptimumOfRemovingOneWeight() {
        var rng = new Random(7);
        double[][] g = new double[N][P];
        for (double[] row : g) {
            for (int j = 0; j < P; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        double[] w = new double[P];
        for (int j = 0; j < P; j++) {
            w[j] = rng.nextGaussian();
        }
        double[][] f = fisher(g);
        var view = view(w, g, ones());
        var obs = new ObsSaliency();
        var options = Options.of(Map.of("mode", "exact", "damping", DAMPING));
        double[] scores = obs.score(view, options).castTo(DataType.DOUBLE).reshape(P).toDoubleVector();

        for (int q = 0; q < P; q++) {
            double[] keep = ones();
            keep[q] = 0;
            double[] expected = constrainedOptimum(f, w, q);
            double[] updated = obs.compensate(view, Nd4j.create(keep, new long[]{P, 1}, 'c').castTo(DataType.FLOAT), options)
                    .castTo(DataType.DOUBLE).reshape(P).toDoubleVector();
            for (int j = 0; j < P; j++) {
                assertThat(updated[j]).as("weight %d after removing %d", j, q).isCloseTo(expected[j], within(1e-3));
            }
            // the saliency is the loss increase of that optimum: ½ δᵀFδ with δ = updated − w
            double increase = 0;
            for (int i = 0; i < P; i++) {
                for (int j = 0; j < P; j++) {
                    increase += 0.5 * (expected[i] - w[i]) * f[i][j] * (expected[j] - w[j]);
                }
            }
            assertThat(scores[q]).as("saliency of %d", q).isCloseTo(increase, within(1e-3 * Math.max(1, increase)));
        }
    }

    /** F = GᵀG/N + λI with λ = damping × mean diagonal of GᵀG/N, as the plugin defines it. */
    private static double[][] fisher(double[][] g) {
        double[][] f = new double[P][P];
        for (double[] row : g) {
            for (int i = 0; i < P; i++) {
                for (int j = 0; j < P; j++) {
                    f[i][j] += row[i] * row[j] / N;
                }
            }
        }
        double mean = 0;
        for (int i = 0; i < P; i++) {
            mean += f[i][i] / P;
        }
        for (int i = 0; i < P; i++) {
            f[i][i] += DAMPING * mean;
        }
        return f;
    }

    /** argmin ½(v − w)ᵀF(v − w) subject to v_q = 0: with δ_q = −w_q, δ_K = −F_KK⁻¹F_Kq·δ_q = F_KK⁻¹F_Kq·w_q. */
    private static double[] constrainedOptimum(double[][] f, double[] w, int q) {
        int k = P - 1;
        double[][] fkk = new double[k][k];
        double[] rhs = new double[k];
        int[] idx = new int[k];
        for (int i = 0, a = 0; i < P; i++) {
            if (i != q) {
                idx[a++] = i;
            }
        }
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
                fkk[a][b] = f[idx[a]][idx[b]];
            }
            rhs[a] = f[idx[a]][q] * w[q];
        }
        double[][] inv = Cholesky.inverse(fkk);
        double[] v = new double[P];
        for (int a = 0; a < k; a++) {
            double delta = 0;
            for (int b = 0; b < k; b++) {
                delta += inv[a][b] * rhs[b];
            }
            v[idx[a]] = w[idx[a]] + delta;
        }
        return v;
    }

    private static ArrayParamView view(double[] w, double[][] g, double[] mask) {
        INDArray weights = Nd4j.create(w, new long[]{P, 1}, 'c').castTo(DataType.FLOAT);
        return new ArrayParamView(ParamRef.parse("0_W"), LayerKind.OUTPUT, weights,
                Nd4j.create(mask, new long[]{P, 1}, 'c').castTo(DataType.FLOAT), Map.of(), 1L)
                .with(Requirement.SAMPLE_GRADIENTS, Nd4j.create(g).castTo(DataType.FLOAT));
    }

    private static double[] ones() {
        double[] a = new double[P];
        Arrays.fill(a, 1);
        return a;
    }
}
