package dev.secateur.spi;

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
     */
    record Structured(GroupReduction reduction) implements Granularity {
        public Structured {
            Objects.requireNonNull(reduction, "reduction");
        }

        @Override
        public String id() {
            return "structured-" + reduction.name().toLowerCase(java.util.Locale.ROOT);
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
