package dev.secateur.prune;

import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Finds where to cut a set of scores so that exactly {@code m} of them fall below the cut, without
 * sorting. Scores become unsigned 32-bit keys that order like the floats; a radix select then counts
 * the high 16 bits in one pass and the low 16 bits of the one bucket that holds the cut in a second
 * pass, each pass spread over the cores by source. Over 100M scores this takes a fraction of a second,
 * where a sort takes about 25 s (docs/results/performance.md).
 *
 * <p>Ties are broken by position: of the scores equal to the cut value, the first ones in source order
 * are taken, so the count is exact and the choice deterministic.
 */
public final class ThresholdSelector {

    private static final int BUCKETS = 1 << 16;

    /** A key below every real score: entries that are already pruned get it, so they stay pruned. */
    public static final int ALREADY_PRUNED = 0;

    private ThresholdSelector() {
    }

    /**
     * One array of scores, with the mask in force (entries where the mask is 0 count as already pruned),
     * or no mask.
     *
     * @param owner what owns the memory behind direct buffers; holding it keeps that memory from being
     *              freed while the buffers are read (ND4J frees an array's memory when the array is collected)
     */
    public record Source(FloatBuffer scores, FloatBuffer mask, Object owner) {
        public Source {
            if (mask != null && mask.limit() != scores.limit()) {
                throw new IllegalArgumentException("scores and mask differ in length: " + scores.limit() + " vs " + mask.limit());
            }
        }

        /** Scores on the heap, which need no owner. */
        public Source(FloatBuffer scores, FloatBuffer mask) {
            this(scores, mask, null);
        }

        /** Views of two contiguous float arrays, held while the source is. */
        public static Source of(INDArray scores, INDArray mask) {
            return new Source(scores.data().asNioFloat(), mask == null ? null : mask.data().asNioFloat(),
                    mask == null ? scores : List.of(scores, mask));
        }

        int key(int i) {
            return mask != null && mask.get(i) == 0f ? ALREADY_PRUNED : ThresholdSelector.key(scores.get(i));
        }
    }

    /**
     * Where to cut: prune every entry whose key is below {@code key}, plus the first {@code takeAtKey}
     * entries whose key equals it. {@link #NOTHING} prunes nothing.
     */
    public record Cut(int key, long takeAtKey, boolean nothing) {
        public static final Cut NOTHING = new Cut(0, 0, true);

        /** The score value at the cut, for reports. */
        public float value() {
            return ThresholdSelector.value(key);
        }
    }

    /** Maps a float to an int whose unsigned order is the float order (-inf lowest, +inf highest). */
    public static int key(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits ^ ((bits >> 31) | 0x80000000);
    }

    static float value(int key) {
        int bits = key < 0 ? key ^ 0x80000000 : ~key;
        return Float.intBitsToFloat(bits);
    }

    /** The cut that prunes exactly {@code m} entries over all sources. */
    public static Cut select(List<Source> sources, long m) {
        long total = sources.stream().mapToLong(s -> s.scores().limit()).sum();
        if (m < 0 || m > total) {
            throw new IllegalArgumentException("cannot prune " + m + " of " + total + " entries");
        }
        if (m == 0) {
            return Cut.NOTHING;
        }
        long rank = m - 1; // 0-based rank of the last entry to prune
        // both passes count sources in parallel, one histogram per worker, summed at the end
        long[] high = sources.parallelStream().collect(() -> new long[BUCKETS], (counts, source) -> {
            for (int i = 0, n = source.scores().limit(); i < n; i++) {
                counts[source.key(i) >>> 16]++;
            }
        }, ThresholdSelector::add);
        int highBucket = bucketOf(high, rank);
        long below = 0;
        for (int b = 0; b < highBucket; b++) {
            below += high[b];
        }
        long[] low = sources.parallelStream().collect(() -> new long[BUCKETS], (counts, source) -> {
            for (int i = 0, n = source.scores().limit(); i < n; i++) {
                int k = source.key(i);
                if (k >>> 16 == highBucket) {
                    counts[k & 0xFFFF]++;
                }
            }
        }, ThresholdSelector::add);
        int lowBucket = bucketOf(low, rank - below);
        Reference.reachabilityFence(sources);
        for (int b = 0; b < lowBucket; b++) {
            below += low[b];
        }
        return new Cut((highBucket << 16) | lowBucket, m - below, false);
    }

    /**
     * How many of the entries equal to the cut each source gives up, so that the first ones in source
     * order are taken and the total is exact. Sources can then be cut independently, in parallel.
     */
    public static long[] tieQuotas(List<Source> sources, Cut cut) {
        long[] quotas = new long[sources.size()];
        if (cut.nothing() || cut.takeAtKey() == 0) {
            return quotas;
        }
        long[] equal = IntStream.range(0, sources.size()).parallel().mapToLong(s -> {
            var source = sources.get(s);
            long count = 0;
            for (int i = 0, n = source.scores().limit(); i < n; i++) {
                if (source.key(i) == cut.key()) {
                    count++;
                }
            }
            return count;
        }).toArray();
        long left = cut.takeAtKey();
        for (int s = 0; s < quotas.length; s++) {
            quotas[s] = Math.min(left, equal[s]);
            left -= quotas[s];
        }
        Reference.reachabilityFence(sources);
        return quotas;
    }

    private static void add(long[] into, long[] from) {
        for (int b = 0; b < into.length; b++) {
            into[b] += from[b];
        }
    }

    private static int bucketOf(long[] histogram, long rank) {
        long seen = 0;
        for (int b = 0; b < histogram.length; b++) {
            seen += histogram[b];
            if (seen > rank) {
                return b;
            }
        }
        throw new IllegalStateException("rank " + rank + " beyond histogram total " + seen);
    }
}
