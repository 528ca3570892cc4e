package dev.secateur.plugins.obs;

import dev.secateur.spi.LayerKind;
import dev.secateur.spi.ParamView;
import dev.secateur.spi.Requirement;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Layer-wise OBS as OBC and SparseGPT (Frantar &amp; Alistarh 2022, 2023) do it. The layer's outputs are
 * rows w (one per neuron or filter) times inputs X, so ‖wX − ŵX‖² has the Hessian H = 2XXᵀ for every row
 * alike. A row's saliency is w_j²/[H⁻¹]_jj. Given the pruner's mask, each row is processed left to right:
 * removing column j, with U the upper Cholesky factor of H⁻¹ (H⁻¹ = UᵀU), adds the error w_j/U_jj times
 * U's row j to the columns after j, which is the OBS update restricted to the columns not yet processed.
 * Columns are taken in blocks; updates to later blocks are applied once per block.
 */
final class LayerwiseObs {

    private final double[][] hessianInverse;

    private LayerwiseObs(double[][] hessianInverse) {
        this.hessianInverse = hessianInverse;
    }

    static LayerwiseObs of(ParamView param, double damping) {
        INDArray gram = param.statistic(Requirement.INPUT_GRAM).orElseThrow();
        double[][] h = gram.castTo(DataType.DOUBLE).muli(2.0).toDoubleMatrix();
        int d = h.length;
        double mean = 0;
        for (int j = 0; j < d; j++) {
            if (h[j][j] == 0) {
                h[j][j] = 1; // an input that is always zero: any value works, 1 keeps H positive definite
            }
            mean += h[j][j] / d;
        }
        for (int j = 0; j < d; j++) {
            h[j][j] += damping * mean;
        }
        return new LayerwiseObs(Cholesky.inverse(h));
    }

    /** U, the upper Cholesky factor of H⁻¹ (H⁻¹ = UᵀU), whose rows carry the updates. */
    double[][] upperFactor() {
        return Cholesky.upper(hessianInverse);
    }

    INDArray saliency(ParamView param) {
        double[][] rows = rows(param);
        float[][] s = new float[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            s[r] = new float[rows[r].length];
            for (int j = 0; j < rows[r].length; j++) {
                s[r][j] = (float) (rows[r][j] * rows[r][j] / hessianInverse[j][j]);
            }
        }
        return fromRows(param, s);
    }

    INDArray compensate(ParamView param, INDArray keep, int blockSize) {
        double[][] w = rows(param);
        double[][] k = rows(param.layerKind(), param.shape(), keep);
        sweep(w, upperFactor(), blockSize, (r, j, row) -> k[r][j] == 0);
        int d = hessianInverse.length;
        float[][] out = new float[w.length][d];
        for (int r = 0; r < w.length; r++) {
            for (int j = 0; j < d; j++) {
                out[r][j] = k[r][j] == 0 ? 0f : (float) w[r][j];
            }
        }
        return fromRows(param, out);
    }

    /** Decides, as the sweep reaches each column of a row, whether it goes. */
    interface Removal {
        /** Called as each block starts, with the rows as the updates so far have left them. */
        default void blockStarts(double[][] rows, int start, int end) {
        }

        boolean removes(int row, int column, double[] weights);
    }

    /**
     * Removes, row by row and left to right, the columns {@code removal} names, each adding its error w_j/U_jj times
     * U's row j to the columns after it within the block; a block's errors reach the later columns at once.
     */
    static void sweep(double[][] w, double[][] u, int blockSize, Removal removal) {
        int d = u.length;
        for (int start = 0; start < d; start += blockSize) {
            int end = Math.min(d, start + blockSize);
            removal.blockStarts(w, start, end);
            double[][] errors = new double[w.length][end - start];
            for (int r = 0; r < w.length; r++) {
                double[] row = w[r];
                for (int j = start; j < end; j++) {
                    if (!removal.removes(r, j, row)) {
                        continue;
                    }
                    double error = row[j] / u[j][j];
                    double[] uj = u[j];
                    for (int c = j; c < end; c++) {
                        row[c] -= error * uj[c];
                    }
                    row[j] = 0;
                    errors[r][j - start] = error;
                }
            }
            if (end < d) {
                // the block's errors, applied at once to every later column: W[:, end:] -= E · U[start:end, end:]
                INDArray e = Nd4j.create(errors);
                double[][] tail = new double[end - start][d - end];
                for (int j = start; j < end; j++) {
                    System.arraycopy(u[j], end, tail[j - start], 0, d - end);
                }
                double[][] update = e.mmul(Nd4j.create(tail)).toDoubleMatrix();
                for (int r = 0; r < w.length; r++) {
                    for (int c = end; c < d; c++) {
                        w[r][c] -= update[r][c - end];
                    }
                }
            }
        }
    }

    /** The weights as rows [units, inputs]: Wᵀ for dense, [nOut, nIn·kH·kW] for convolutions. */
    static double[][] rows(ParamView param) {
        return rows(param.layerKind(), param.shape(), param.weights());
    }

    static double[][] rows(LayerKind kind, long[] shape, INDArray x) {
        INDArray d = x.castTo(DataType.DOUBLE);
        if (kind == LayerKind.CONVOLUTION) {
            return d.dup('c').reshape('c', shape[0], shape[1] * shape[2] * shape[3]).toDoubleMatrix();
        }
        return d.transpose().toDoubleMatrix();
    }

    static INDArray fromRows(ParamView param, float[][] rows) {
        INDArray r = Nd4j.create(rows);
        long[] shape = param.shape();
        if (param.layerKind() == LayerKind.CONVOLUTION) {
            return r.reshape('c', shape);
        }
        return r.transpose().dup('c');
    }
}
