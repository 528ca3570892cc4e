package dev.secateur.spi;

import java.util.Objects;

/**
 * What the pruner removes as one unit. Any saliency method works at any granularity: the pruner
 * reduces element scores to group scores.
 */
public sealed interface Granularity permits Granularity.Unstructured, Granularity.Structured {

    /** A short id for files and metrics tags, such as {@code unstructured} or {@code structured-l1}. */
    String id();

    /** Individual weights. */
    record Unstructured() implements Granularity {
        @Override
        public String id() {
            return "unstructured";
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

    static Granularity structured(GroupReduction reduction) {
        return new Structured(reduction);
    }
}
