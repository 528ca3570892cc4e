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
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Layer-wise OBS (OBC/SparseGPT) on a dense layer with random inputs, no Vert.x and no network. */
class LayerwiseObsTest {

    private static final int ROWS = 256;
    private static final int IN = 32;
    private static final int OUT = 16;
    private final Random rng = new Random(11);
    private final INDArray x = correlatedInputs();
    // seeded, as every random value here: the global ND4J generator's state depends on what ran before
    private final INDArray w = gaussian(IN, OUT);
    private final ArrayParamView view = new ArrayParamView(ParamRef.parse("0_W"), LayerKind.DENSE, w, Nd4j.onesLike(w),
            Map.of(), 3L).with(Requirement.INPUT_GRAM, x.transpose().mmul(x).divi(ROWS));
    private final ObsSaliency obs = new ObsSaliency();

    @Test
    void reducesTheLayerReconstructionErrorAgainstMagnitudeAtTheSameDensity() {
        for (double sparsity : new double[]{0.5, 0.8}) {
            INDArray magnitudeKeep = keepHighest(Nd4j.math().abs(w), sparsity);
            double magnitudeError = error(w.mul(magnitudeKeep));

            INDArray obsKeep = keepHighest(obs.score(view, Options.NONE), sparsity);
            INDArray compensated = obs.compensate(view, obsKeep, Options.NONE);
            double obsError = error(compensated);
            // the same mask as magnitude, but with the update: the update alone must help
            double magnitudeMaskUpdated = error(obs.compensate(view, magnitudeKeep, Options.NONE));

            assertThat(compensated.mul(obsKeep.rsub(1)).sumNumber().doubleValue()).isZero();
            assertThat(obsKeep.sumNumber().doubleValue()).isEqualTo(magnitudeKeep.sumNumber().doubleValue());
            assertThat(obsError).as("OBS at %.0f%%", 100 * sparsity).isLessThan(magnitudeError);
            assertThat(magnitudeMaskUpdated).as("magnitude mask with the OBS update").isLessThan(magnitudeError);
        }
    }

    @Test
    void removingTheFirstColumnIsTheClosedFormObsUpdate() {
        // for the first column of each row the sequential update is exact: δ = −(w_0/[H⁻¹]_00)·H⁻¹e_0
        INDArray keep = Nd4j.onesLike(w);
        keep.getRow(0).assign(0);
        double[][] updated = obs.compensate(view, keep, Options.of(Map.of("blockSize", 8))).castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] h = view.statistic(Requirement.INPUT_GRAM).orElseThrow().castTo(DataType.DOUBLE).muli(2).toDoubleMatrix();
        double mean = 0;
        for (int j = 0; j < IN; j++) {
            mean += h[j][j] / IN;
        }
        for (int j = 0; j < IN; j++) {
            h[j][j] += 0.01 * mean;
        }
        double[][] hinv = Cholesky.inverse(h);
        double[][] weights = w.castTo(DataType.DOUBLE).toDoubleMatrix();
        for (int out = 0; out < OUT; out++) {
            double ratio = weights[0][out] / hinv[0][0];
            for (int j = 1; j < IN; j++) {
                assertThat(updated[j][out]).isCloseTo(weights[j][out] - ratio * hinv[j][0], within(1e-3));
            }
            assertThat(updated[0][out]).isZero();
        }
    }

    @Test
    void convolutionRowsAreFiltersOverIm2colPatches() {
        // a [4, 2, 2, 2] convolution whose patches have 8 columns, the C order of a filter's weights
        INDArray patches = x.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 8)).dup();
        INDArray filters = gaussian(4, 8).reshape('c', 4, 2, 2, 2);
        var conv = new ArrayParamView(ParamRef.parse("0_W"), LayerKind.CONVOLUTION, filters, Nd4j.onesLike(filters), Map.of(), 3L)
                .with(Requirement.INPUT_GRAM, patches.transpose().mmul(patches).divi(ROWS));
        INDArray keep = keepHighest(obs.score(conv, Options.NONE), 0.5);
        INDArray compensated = obs.compensate(conv, keep, Options.NONE);
        INDArray rows = filters.reshape('c', 4, 8);
        double masked = reconstruction(patches, rows, filters.mul(keep).reshape('c', 4, 8));
        double obsError = reconstruction(patches, rows, compensated.reshape('c', 4, 8));
        assertThat(compensated.mul(keep.rsub(1)).sumNumber().doubleValue()).isZero();
        assertThat(obsError).isLessThan(masked);
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

    private static double reconstruction(INDArray patches, INDArray rows, INDArray pruned) {
        INDArray diff = patches.mmul(rows.transpose()).sub(patches.mmul(pruned.transpose()));
        return diff.mul(diff).sumNumber().doubleValue();
    }

    @Test
    void isDeterministic() {
        INDArray keep = keepHighest(obs.score(view, Options.NONE), 0.5);
        assertThat(obs.score(view, Options.NONE)).isEqualTo(obs.score(view, Options.NONE));
        assertThat(obs.compensate(view, keep, Options.NONE)).isEqualTo(obs.compensate(view, keep, Options.NONE));
    }

    @Test
    void refusesBadOptions() {
        Assertions.assertThatThrownBy(() -> obs.validate(Options.of(Map.of("damping", -1))))
                .hasMessageContaining("damping");
        Assertions.assertThatThrownBy(() -> obs.validate(Options.of(Map.of("mode", "fast"))))
                .hasMessageContaining("mode").hasMessageContaining("layerwise, exact");
    }

    /** ‖XW − XŴ‖², the layer reconstruction error on the calibration rows. */
    private double error(INDArray pruned) {
        INDArray diff = x.mmul(w).sub(x.mmul(pruned));
        return diff.mul(diff).sumNumber().doubleValue();
    }

    /** A mask keeping the largest scores, the same count for every method. */
    private static INDArray keepHighest(INDArray scores, double sparsity) {
        float[] s = scores.castTo(DataType.FLOAT).dup('c').reshape(scores.length()).toFloatVector();
        Integer[] order = new Integer[s.length];
        for (int i = 0; i < s.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(s[a], s[b]));
        float[] keep = new float[s.length];
        Arrays.fill(keep, 1f);
        for (int i = 0; i < Math.round(sparsity * s.length); i++) {
            keep[order[i]] = 0f;
        }
        return Nd4j.create(keep, scores.shape(), 'c');
    }

    /** Inputs with correlated features and uneven scales, as real activations have. */
    private INDArray correlatedInputs() {
        double[][] base = new double[ROWS][IN];
        for (int r = 0; r < ROWS; r++) {
            double shared = rng.nextGaussian();
            for (int j = 0; j < IN; j++) {
                base[r][j] = (0.3 + j % 4) * (rng.nextGaussian() + 0.8 * shared);
            }
        }
        return Nd4j.create(base).castTo(DataType.FLOAT);
    }
}
