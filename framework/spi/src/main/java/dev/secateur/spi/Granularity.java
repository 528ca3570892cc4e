package dev.secateur.spi;

import java.util.Locale;
import java.util.Objects;

/**
 * What the pruner removes as one unit. Any saliency method works at any granularity: the pruner
 * reduces element scores to group scores.
 */
public sealed interface Granularity permits Granularity.Unstructured, Granularity.SemiStructured, Granularity.Structured {

    /** A short id for files and metrics tags, such as {@code unstructured} or {@code structured-l1}. */
    String id();

    /**
     * Individual weights. With {@code perOutput}, every output unit (a row of weights into one neuron or
     * filter) loses the same fraction of its weights, and scores are compared only within a row, as
     * Wanda does (Sun et al. 2023); otherwise scores are compared across the whole scope.
     */
    record Unstructured(boolean perOutput) implements Granularity {
        public Unstructured() {
            this(false);
        }

        @Override
        public String id() {
            return perOutput ? "unstructured-per-output" : "unstructured";
        }
    }

    /**
     * N:M semi-structured sparsity: in every group of {@code m} consecutive weights along the input
     * dimension of an output unit, exactly {@code n} are kept (2:4 is what sparse tensor cores run). For a
     * convolution the groups run along input channels at each kernel position, as NVIDIA's ASP lays them
     * out. The sparsity is fixed at 1 − n/m; the input dimension must be a multiple of {@code m}.
     */
    record SemiStructured(int n, int m) implements Granularity {
        public SemiStructured {
            if (m < 2 || m > 64 || n < 1 || n >= m) {
                throw new IllegalArgumentException("N:M needs 1 <= N < M <= 64, got " + n + ":" + m + "; for example nm(2, 4)");
            }
        }

        /** The fraction of weights an N:M pattern removes. */
        public double sparsity() {
            return 1.0 - (double) n / m;
        }

        @Override
        public String id() {
            return "nm-" + n + "-" + m;
        }
    }

    /**
     * Whole output units: filters of a convolution, neurons of a dense layer. A removed unit loses all of
     * its incoming weights and its bias, so its activation is constant. Output layers are never pruned
     * this way, since their units are the classes.
     *
     * @param reduction how the element scores of a unit become its score
     * @param roundTo   the kept units of every layer are a multiple of this (Torch-Pruning's {@code round_to}),
     *                  rounded up so a layer never loses more than its target asks; 1 leaves counts as they are
     */
    record Structured(GroupReduction reduction, int roundTo) implements Granularity {
        public Structured {
            Objects.requireNonNull(reduction, "reduction");
            if (roundTo < 1 || roundTo > 1024) {
                throw new IllegalArgumentException("round_to = " + roundTo + " must be from 1 (no rounding) to 1024, such as 4 or 8");
            }
        }

        public Structured(GroupReduction reduction) {
            this(reduction, 1);
        }

        /** Units to prune out of {@code units} once the kept count is rounded up to a multiple of {@link #roundTo()}. */
        public long rounded(long units, long toPrune) {
            return rounded(units, toPrune, 1);
        }

        /**
         * The same for units of {@code unitWidth} channels each (attention heads): the kept channels are rounded, so
         * the kept units become a multiple of roundTo / gcd(roundTo, unitWidth), and heads of 32 channels are never
         * rounded at round_to 8.
         */
        public long rounded(long units, long toPrune, int unitWidth) {
            long step = roundTo / gcd(roundTo, unitWidth);
            long kept = units - toPrune;
            long roundedKept = Math.min(units, (kept + step - 1) / step * step);
            return units - roundedKept;
        }

        private static int gcd(int a, int b) {
            return b == 0 ? a : gcd(b, a % b);
        }

        @Override
        public String id() {
            return "structured-" + reduction.name().toLowerCase(Locale.ROOT) + (roundTo == 1 ? "" : "-round" + roundTo);
        }
    }

    static Granularity unstructured() {
        return new Unstructured();
    }

    static Granularity nm(int n, int m) {
        return new SemiStructured(n, m);
    }

    static Granularity structured(GroupReduction reduction) {
        return new Structured(reduction);
    }
}
