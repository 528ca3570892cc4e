package dev.secateur.plugins.obs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.spi.Granularity;
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
import org.nd4j.linalg.indexing.NDArrayIndex;

/** SparseGPT on one dense layer with correlated random inputs, no Vert.x and no network. */
class SparseGptTest {

    private static final int SAMPLES = 200;
    private static final int IN = 24;
    private static final int OUT = 6;
    private final Random rng = new Random(5);
    private final INDArray x = inputs();
    private final INDArray w = gaussian(IN, OUT);
    private final ArrayParamView view = new ArrayParamView(ParamRef.parse("0_W"), LayerKind.DENSE, w, Nd4j.onesLike(w),
            Map.of(), 3L).with(Requirement.INPUT_GRAM, x.transpose().mmul(x).divi(SAMPLES));
    private final SparseGptSaliency sparseGpt = new SparseGptSaliency();

    @Test
    void theUpdateForAMaskIsTheSequentialObsClosedFormWithExactInverses() {
        INDArray keep = Nd4j.rand(DataType.FLOAT, IN, OUT).gt(0.5).castTo(DataType.FLOAT);
        for (int blockSize : new int[]{5, 128}) {
            double[][] got = sparseGpt.compensate(view, keep, Options.of(Map.of("blockSize", blockSize)))
                    .castTo(DataType.DOUBLE).toDoubleMatrix();
            double[][] expected = closedForm(keep);
            for (int i = 0; i < IN; i++) {
                for (int o = 0; o < OUT; o++) {
                    assertThat(got[i][o]).as("w[%d][%d], block %d", i, o, blockSize).isCloseTo(expected[i][o], within(2e-4));
                }
            }
        }
    }

    /**
     * Row by row, column j from the left: when it is removed, the columns j.. move by −(w_j/[H_F⁻¹]_00)·H_F⁻¹ e_0, with
     * H_F the damped 2XXᵀ restricted to the columns not yet passed and inverted directly (Gauss–Jordan, no Cholesky).
     */
    private double[][] closedForm(INDArray keep) {
        double[][] h = x.transpose().mmul(x).divi(SAMPLES).castTo(DataType.DOUBLE).muli(2).toDoubleMatrix();
        double mean = 0;
        for (int j = 0; j < IN; j++) {
            mean += h[j][j] / IN;
        }
        for (int j = 0; j < IN; j++) {
            h[j][j] += 0.01 * mean;
        }
        double[][] weights = w.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] k = keep.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] out = new double[IN][OUT];
        for (int o = 0; o < OUT; o++) {
            double[] row = new double[IN];
            for (int i = 0; i < IN; i++) {
                row[i] = weights[i][o];
            }
            for (int j = 0; j < IN; j++) {
                if (k[j][o] != 0) {
                    continue;
                }
                double[][] inverse = invert(h, j);
                double ratio = row[j] / inverse[0][0];
                for (int c = j; c < IN; c++) {
                    row[c] -= ratio * inverse[0][c - j];
                }
                row[j] = 0;
            }
            for (int i = 0; i < IN; i++) {
                out[i][o] = k[i][o] == 0 ? 0 : row[i];
            }
        }
        return out;
    }

    /** The inverse of h restricted to rows and columns from..end, by Gauss–Jordan elimination. */
    private static double[][] invert(double[][] h, int from) {
        int n = h.length - from;
        double[][] a = new double[n][2 * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] = h[from + i][from + j];
            }
            a[i][n + i] = 1;
        }
        for (int p = 0; p < n; p++) {
            double pivot = a[p][p];
            for (int j = 0; j < 2 * n; j++) {
                a[p][j] /= pivot;
            }
            for (int i = 0; i < n; i++) {
                if (i != p) {
                    double f = a[i][p];
                    for (int j = 0; j < 2 * n; j++) {
                        a[i][j] -= f * a[p][j];
                    }
                }
            }
        }
        double[][] inverse = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], n, inverse[i], 0, n);
        }
        return inverse;
    }

    @Test
    void adaptiveSelectionTakesTheTargetOfEveryBlockAndThePrunersThresholdTakesTheSame() {
        var options = Options.of(Map.of("blockSize", 8));
        INDArray scores = sparseGpt.score(view.with(Granularity.unstructured(), 0.5), options);
        // removed weights score below 1 and kept ones at or above: half of every block of 8 input columns, across rows
        for (int block = 0; block < IN; block += 8) {
            INDArray part = scores.get(NDArrayIndex.interval(block, block + 8),
                    NDArrayIndex.all());
            assertThat(part.lt(1.0).castTo(DataType.INT).sumNumber().intValue()).isEqualTo(8 * OUT / 2);
        }
        // the mask it encodes, compensated, is the simulation's end: it beats the same count chosen by w²/[H⁻¹]jj once
        INDArray keep = scores.gte(1.0).castTo(DataType.FLOAT);
        double adaptive = error(sparseGpt.compensate(view, keep, options));
        INDArray oneShot = keepHighest(new ObsSaliency().score(view, Options.NONE), keep.sumNumber().intValue());
        double obs = error(new ObsSaliency().compensate(view, oneShot, options));
        assertThat(adaptive).isLessThanOrEqualTo(obs * 1.05);
    }

    @Test
    void twoFourSelectionKeepsTwoOfEveryFourInputsOfEveryRow() {
        INDArray scores = sparseGpt.score(view.with(Granularity.nm(2, 4), Double.NaN), Options.of(Map.of("blockSize", 6)));
        double[][] s = scores.castTo(DataType.DOUBLE).toDoubleMatrix();
        for (int o = 0; o < OUT; o++) {
            for (int g = 0; g < IN; g += 4) {
                int removed = 0;
                for (int i = g; i < g + 4; i++) {
                    removed += s[i][o] < 1 ? 1 : 0;
                }
                assertThat(removed).as("row %d, group at %d", o, g).isEqualTo(2);
            }
        }
    }

    @Test
    void isSequentialCompensatesAndRefusesBadOptions() {
        assertThat(sparseGpt.sequential()).isTrue();
        assertThat(sparseGpt.compensates()).isTrue();
        assertThat(sparseGpt.requirements()).contains(Requirement.INPUT_GRAM);
        assertThatThrownBy(() -> sparseGpt.validate(Options.of(Map.of("damping", 0)))).hasMessageContaining("damping");
        assertThatThrownBy(() -> sparseGpt.validate(Options.of(Map.of("blockSize", 0)))).hasMessageContaining("blockSize");
    }

    private double error(INDArray pruned) {
        INDArray diff = x.mmul(w).sub(x.mmul(pruned));
        return diff.mul(diff).sumNumber().doubleValue();
    }

    private static INDArray keepHighest(INDArray scores, int kept) {
        float[] s = scores.castTo(DataType.FLOAT).dup('c').reshape(scores.length()).toFloatVector();
        float[] sorted = s.clone();
        Arrays.sort(sorted);
        float threshold = sorted[s.length - kept];
        float[] keep = new float[s.length];
        int left = kept;
        for (int i = 0; i < s.length && left > 0; i++) {
            if (s[i] > threshold) {
                keep[i] = 1;
                left--;
            }
        }
        for (int i = 0; i < s.length && left > 0; i++) {
            if (s[i] == threshold) {
                keep[i] = 1;
                left--;
            }
        }
        return Nd4j.create(keep, scores.shape(), 'c');
    }

    private INDArray inputs() {
        // correlated columns, so the updates matter
        double[][] base = new double[SAMPLES][IN];
        for (int n = 0; n < SAMPLES; n++) {
            double shared = rng.nextGaussian();
            for (int i = 0; i < IN; i++) {
                base[n][i] = 0.7 * shared + rng.nextGaussian();
            }
        }
        return Nd4j.create(base).castTo(DataType.FLOAT);
    }

    private INDArray gaussian(int rows, int cols) {
        float[][] values = new float[rows][cols];
        for (float[] row : values) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) rng.nextGaussian();
            }
        }
        return Nd4j.create(values);
    }
}
