package dev.secateur.plugins.obs;

import dev.secateur.spi.Granularity;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamView;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.SaliencyMethod;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pf4j.Extension;

/**
 * SparseGPT (Frantar &amp; Alistarh 2023): layer-wise OBS made practical, as its Algorithm 1 does it.
 *
 * <ul>
 * <li>Layers are taken in turn ({@link #sequential()}): each one's H = 2XXᵀ + λI comes from calibration inputs
 * computed through the layers already pruned and updated in the step. λ is {@code damping} (1%) of H's mean diagonal.</li>
 * <li>Columns are processed left to right in blocks of {@code blockSize} (128), with lazy batch updates; removing
 * column j of a row adds its error w_j/U_jj times U's row j to the columns after it (U the upper Cholesky factor of
 * H⁻¹).</li>
 * <li>Adaptive mask selection: which weights go is decided as the columns are reached, from w²/U_jj² with the weights
 * as the updates so far left them. Unstructured: at the start of each block, the block's lowest fraction (the step's
 * target) across all rows, or within each row under {@code perOutput}. N:M: at the start of each group of M columns,
 * the M − N lowest of each row.</li>
 * </ul>
 *
 * <p>The method scores and the pruner decides, so the scores are built for the pruner to reach the same mask: each
 * weight's w²/U_jj² at the moment it was judged, mapped into [0, 1) if the simulation removed it and [1, 2) if it
 * kept it. A threshold at the target (or N:M within each group) then takes exactly the simulated selection, up to the
 * rounding of the per-block counts. Under a global scope, whose targets are not known before scoring, and for N:M on
 * a convolution, no mask is simulated (scores are w²/U_jj² of the weights as they are). {@link #compensate} applies the updates for the mask
 * the pruner decided: for the simulated mask these are the weights the simulation ended with.
 */
@Extension
public final class SparseGptSaliency implements SaliencyMethod {

    @Override
    public String id() {
        return "sparsegpt";
    }

    @Override
    public String description() {
        return "SparseGPT: layer by layer, layer-wise OBS with lazy block updates and adaptive mask selection (Frantar & Alistarh 2023)";
    }

    @Override
    public Set<Requirement> requirements() {
        return Set.of(Requirement.WEIGHTS, Requirement.INPUT_GRAM);
    }

    @Override
    public Map<String, String> options() {
        return Map.of("damping", "λ relative to the mean diagonal of H (default 0.01, the paper's)",
                "blockSize", "columns per lazy-update and mask-selection block (default 128, the paper's)");
    }

    @Override
    public void validate(Options options) {
        damping(options);
        blockSize(options);
    }

    @Override
    public boolean sequential() {
        return true;
    }

    @Override
    public boolean compensates() {
        return true;
    }

    @Override
    public INDArray score(ParamView param, Options options) {
        var obs = LayerwiseObs.of(param, damping(options));
        double[][] w = LayerwiseObs.rows(param);
        double[][] mask = LayerwiseObs.rows(param.layerKind(), param.shape(), param.mask());
        double[][] u = obs.upperFactor();
        var granularity = param.granularity();
        double target = param.targetSparsity();
        // N:M groups of a convolution run along input channels, not along these rows, so only dense layers adapt to them
        boolean nm = granularity instanceof Granularity.SemiStructured && param.layerKind() != LayerKind.CONVOLUTION;
        boolean adaptive = nm || (granularity instanceof Granularity.Unstructured && Double.isFinite(target));
        float[][] scores = adaptive
                ? simulate(w, mask, u, granularity, target, blockSize(options))
                : judged(w, u);
        return LayerwiseObs.fromRows(param, scores);
    }

    @Override
    public INDArray compensate(ParamView param, INDArray keep, Options options) {
        return LayerwiseObs.of(param, damping(options)).compensate(param, keep, blockSize(options));
    }

    /** w²/U_jj² of the weights as they are. */
    private static float[][] judged(double[][] w, double[][] u) {
        float[][] s = new float[w.length][];
        for (int r = 0; r < w.length; r++) {
            s[r] = new float[w[r].length];
            for (int j = 0; j < w[r].length; j++) {
                s[r][j] = (float) (w[r][j] * w[r][j] / (u[j][j] * u[j][j]));
            }
        }
        return s;
    }

    /**
     * Runs SparseGPT's selection and updates on a copy of the rows and returns the scores that encode its mask. Weights
     * the mask already removed stay removed and count towards the quotas.
     */
    static float[][] simulate(double[][] w, double[][] mask, double[][] u, Granularity granularity, double target, int blockSize) {
        int rows = w.length;
        int d = u.length;
        double[][] work = new double[rows][];
        for (int r = 0; r < rows; r++) {
            work[r] = w[r].clone();
        }
        float[][] scores = new float[rows][d];
        boolean[][] removed = new boolean[rows][d];
        int block = blockSize;
        if (granularity instanceof Granularity.SemiStructured nm) {
            block = Math.max(nm.m(), blockSize / nm.m() * nm.m()); // whole groups in every block
        }
        LayerwiseObs.sweep(work, u, block, new LayerwiseObs.Removal() {
            @Override
            public void blockStarts(double[][] current, int start, int end) {
                if (granularity instanceof Granularity.Unstructured unstructured) {
                    selectBlock(current, mask, u, start, end, target, unstructured.perOutput(), scores, removed);
                }
            }

            @Override
            public boolean removes(int r, int j, double[] row) {
                if (granularity instanceof Granularity.SemiStructured nm && j % nm.m() == 0) {
                    selectGroup(row, mask[r], u, j, Math.min(j + nm.m(), d), nm.m() - nm.n(), scores[r], removed[r]);
                }
                return removed[r][j];
            }
        });
        return scores;
    }

    /** A removed weight's score in [0, 1), a kept one's in [1, 2), each ordered by its saliency s ≥ 0. */
    private static float encode(double s, boolean remove) {
        // in float, where the pruner compares: every removed score stays below 1 and every kept one at or above it
        float unit = (float) (s / (1 + s));
        return remove ? Math.min(unit, Math.nextDown(1f)) : 1f + unit;
    }

    private static double saliency(double w, double[][] u, int j) {
        return w * w / (u[j][j] * u[j][j]);
    }

    /** Unstructured: the block's lowest {@code target} fraction goes, across every row or within each. */
    private static void selectBlock(double[][] work, double[][] mask, double[][] u, int start, int end, double target,
                                    boolean perOutput, float[][] scores, boolean[][] removed) {
        int rows = work.length;
        int width = end - start;
        if (perOutput) {
            for (int r = 0; r < rows; r++) {
                choose(new double[][]{work[r]}, new double[][]{mask[r]}, u, start, end, (int) (width * target),
                        new float[][]{scores[r]}, new boolean[][]{removed[r]});
            }
        } else {
            choose(work, mask, u, start, end, (int) ((long) rows * width * target), scores, removed);
        }
    }

    /** N:M: of the M columns from {@code from}, the {@code prune} lowest of this row go. */
    private static void selectGroup(double[] row, double[] mask, double[][] u, int from, int to, int prune, float[] scores,
                                    boolean[] removed) {
        choose(new double[][]{row}, new double[][]{mask}, u, from, to, prune, new float[][]{scores}, new boolean[][]{removed});
    }

    /** Marks the {@code count} lowest saliencies among columns from..to of the rows as removed (masked ones first). */
    private static void choose(double[][] rows, double[][] mask, double[][] u, int from, int to, int count, float[][] scores,
                               boolean[][] removed) {
        int width = to - from;
        int n = rows.length * width;
        double[] s = new double[n];
        Integer[] order = new Integer[n];
        for (int r = 0; r < rows.length; r++) {
            for (int j = from; j < to; j++) {
                int i = r * width + j - from;
                s[i] = mask[r][j] == 0 ? -1 : saliency(rows[r][j], u, j);
                order[i] = i;
            }
        }
        Arrays.sort(order, (a, b) -> Double.compare(s[a], s[b]));
        for (int k = 0; k < n; k++) {
            int i = order[k];
            int r = i / width;
            int j = from + i % width;
            boolean remove = k < count || s[i] < 0;
            removed[r][j] = remove;
            scores[r][j] = encode(Math.max(0, s[i]), remove);
        }
    }

    private static double damping(Options options) {
        return ObsSaliency.damping(options, 0.01);
    }

    private static int blockSize(Options options) {
        return ObsSaliency.blockSize(options);
    }
}
