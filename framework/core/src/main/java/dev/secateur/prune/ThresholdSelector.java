package dev.secateur.prune;

import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Finds where to cut a set of scores so that exactly {@code m} of them fall below the cut, without
 * sorting. Scores become unsigned 32-bit keys that order like the floats; a radix select then counts
 * the high 16 bits in one pass and the low 16 bits of the one bucket that holds the cut in a second
 * pass. Each pass is spread over the cores by segments of at most {@link #SEGMENT} entries, so one large
 * layer is shared out too, and reads its segment in chunks copied out of the direct buffers into plain
 * arrays, whose loops the JIT compiles tight. Over 100M scores this takes about a tenth of a second,
 * where a sort takes about 19 s (docs/results/speed.md, JMH).
 *
 * <p>Ties are broken by position: of the scores equal to the cut value, the first ones in source order
 * are taken, so the count is exact and the choice deterministic.
 */
public final class ThresholdSelector {

    private static final int BUCKETS = 1 << 16;

    /** A key below every real score: entries that are already pruned get it, so they stay pruned. */
    public static final int ALREADY_PRUNED = 0;

    /** How many entries one task of a pass reads: enough to outweigh the task's cost, few enough to share a layer out. */
    static final int SEGMENT = 1 << 20;

    /** How many entries are copied into plain arrays at a time. */
    static final int CHUNK = 1 << 13;

    /** The bits of 1f, a kept entry. */
    private static final int ONE = Float.floatToRawIntBits(1f);

    /** A source's quota when it gives up every entry equal to the cut, as when the cut takes every tie. */
    public static final long ALL_TIES = Long.MAX_VALUE;

    private ThresholdSelector() {
    }

    /**
     * One array of scores, with the mask in force (entries where the mask is 0 count as already pruned),
     * or no mask. Both are read as the raw bits of their floats: the JIT vectorises integer loops over
     * them, where reading floats and taking their bits it does not (about twice as fast here).
     *
     * @param scores the bits of the scores
     * @param mask   the bits of the mask, or null
     * @param owner  what owns the memory behind direct buffers; holding it keeps that memory from being
     *               freed while the buffers are read (ND4J frees an array's memory when the array is collected)
     */
    public record Source(IntBuffer scores, IntBuffer mask, Object owner) {
        public Source {
            if (mask != null && mask.limit() != scores.limit()) {
                throw new IllegalArgumentException("scores and mask differ in length: " + scores.limit() + " vs " + mask.limit());
            }
        }

        /** Scores on the heap, which need no owner: copied as bits. */
        public Source(FloatBuffer scores, FloatBuffer mask) {
            this(bits(scores), mask == null ? null : bits(mask), null);
        }

        /** Views of two contiguous float arrays, held while the source is. */
        public static Source of(INDArray scores, INDArray mask) {
            return new Source(bitsOf(scores), mask == null ? null : bitsOf(mask), mask == null ? scores : List.of(scores, mask));
        }

        int key(int i) {
            return mask != null && (mask.get(i) & 0x7FFFFFFF) == 0 ? ALREADY_PRUNED : keyOfBits(scores.get(i));
        }

        int length() {
            return scores.limit();
        }

        /** Calls {@code visitor} with the keys of entries {@code from} to {@code to}, a chunk at a time, in order. */
        void forEachChunk(int from, int to, ChunkVisitor visitor) {
            var keys = new int[CHUNK];
            var masked = mask == null ? null : new int[CHUNK];
            for (int at = from; at < to; at += CHUNK) {
                int length = Math.min(CHUNK, to - at);
                scores.get(at, keys, 0, length);
                for (int i = 0; i < length; i++) {
                    keys[i] = keyOfBits(keys[i]);
                }
                if (masked != null) {
                    mask.get(at, masked, 0, length);
                    for (int i = 0; i < length; i++) {
                        keys[i] &= nonZero(masked[i] & 0x7FFFFFFF); // a mask of 0 (or -0) gives ALREADY_PRUNED
                    }
                }
                visitor.visit(at, keys, length);
            }
        }

        private static IntBuffer bits(FloatBuffer floats) {
            int[] bits = new int[floats.limit()];
            for (int i = 0; i < bits.length; i++) {
                bits[i] = Float.floatToRawIntBits(floats.get(i));
            }
            return IntBuffer.wrap(bits);
        }
    }

    /** The bits of a contiguous float array's memory, read (and written) in place. */
    public static IntBuffer bitsOf(INDArray floats) {
        // the buffer is read from its start, so the array must be all of it, in order
        if (floats.dataType() != DataType.FLOAT || floats.isView() || floats.offset() != 0 || floats.ordering() != 'c') {
            throw new IllegalArgumentException("need a float32 array in C order from offset 0, not " + floats.dataType() + " "
                    + floats.ordering() + (floats.isView() ? " view" : "") + " at offset " + floats.offset());
        }
        return floats.data().asNio().order(ByteOrder.nativeOrder()).asIntBuffer().limit((int) floats.length());
    }

    /** -1 (all bits) where {@code x} is not 0, 0 where it is: a mask that integer loops apply without a branch. */
    private static int nonZero(int x) {
        return (x | -x) >> 31;
    }

    /** -1 where {@code a < b} (signed), 0 otherwise, without a branch. */
    private static int lessThan(int a, int b) {
        int d = a - b;
        return (d ^ ((a ^ b) & (d ^ a))) >> 31;
    }

    /** Receives the keys of one chunk: entries {@code from} to {@code from + length} of a source. */
    @FunctionalInterface
    interface ChunkVisitor {
        void visit(int from, int[] keys, int length);
    }

    /** Entries {@code from} to {@code to} of one source: what one task of a pass reads. */
    private record Segment(Source source, int from, int to) {
        void forEachChunk(ChunkVisitor visitor) {
            source.forEachChunk(from, to, visitor);
        }
    }

    /** The sources cut into segments of at most {@link #SEGMENT} entries, in source order. */
    private static List<Segment> segments(List<Source> sources) {
        var segments = new ArrayList<Segment>();
        for (var source : sources) {
            for (int from = 0, n = source.length(); from < n; from += SEGMENT) {
                segments.add(new Segment(source, from, Math.min(n, from + SEGMENT)));
            }
        }
        return segments;
    }

    /**
     * Where to cut: prune every entry whose key is below {@code key}, plus the first {@code takeAtKey}
     * of the {@code atKey} entries whose key equals it. {@link #NOTHING} prunes nothing.
     */
    public record Cut(int key, long takeAtKey, long atKey, boolean nothing) {
        public static final Cut NOTHING = new Cut(0, 0, 0, true);

        /** The score value at the cut, for reports. */
        public float value() {
            return ThresholdSelector.value(key);
        }

        /** Whether every entry equal to the cut is pruned, so that no source needs to count its ties. */
        public boolean takesEveryTie() {
            return !nothing && takeAtKey == atKey;
        }
    }

    /** Maps a float to an int whose unsigned order is the float order (-inf lowest, +inf highest). */
    public static int key(float f) {
        return keyOfBits(Float.floatToRawIntBits(f));
    }

    private static int keyOfBits(int bits) {
        return bits ^ ((bits >> 31) | 0x80000000);
    }

    static float value(int key) {
        int bits = key < 0 ? key ^ 0x80000000 : ~key;
        return Float.intBitsToFloat(bits);
    }

    /** The cut that prunes exactly {@code m} entries over all sources. */
    public static Cut select(List<Source> sources, long m) {
        long total = sources.stream().mapToLong(Source::length).sum();
        if (m < 0 || m > total) {
            throw new IllegalArgumentException("cannot prune " + m + " of " + total + " entries");
        }
        if (m == 0) {
            return Cut.NOTHING;
        }
        long rank = m - 1; // 0-based rank of the last entry to prune
        var segments = segments(sources);
        // both passes count segments in parallel, one histogram per worker, summed at the end
        long[] high = segments.parallelStream().collect(() -> new long[BUCKETS], (counts, segment) ->
                segment.forEachChunk((from, keys, length) -> {
                    for (int i = 0; i < length; i++) {
                        counts[keys[i] >>> 16]++;
                    }
                }), ThresholdSelector::add);
        int highBucket = bucketOf(high, rank);
        long below = 0;
        for (int b = 0; b < highBucket; b++) {
            below += high[b];
        }
        long[] low = segments.parallelStream().collect(() -> new long[BUCKETS], (counts, segment) ->
                segment.forEachChunk((from, keys, length) -> {
                    for (int i = 0; i < length; i++) {
                        int k = keys[i];
                        if (k >>> 16 == highBucket) {
                            counts[k & 0xFFFF]++;
                        }
                    }
                }), ThresholdSelector::add);
        int lowBucket = bucketOf(low, rank - below);
        Reference.reachabilityFence(sources);
        for (int b = 0; b < lowBucket; b++) {
            below += low[b];
        }
        return new Cut((highBucket << 16) | lowBucket, m - below, low[lowBucket], false);
    }

    /**
     * How many of the entries equal to the cut each source gives up, so that the first ones in source
     * order are taken and the total is exact. Sources can then be cut independently, in parallel. Where the
     * cut takes every tie, each source's quota is {@link #ALL_TIES}, and nothing is counted.
     */
    public static long[] tieQuotas(List<Source> sources, Cut cut) {
        long[] quotas = new long[sources.size()];
        if (cut.nothing() || cut.takeAtKey() == 0) {
            return quotas;
        }
        if (cut.takesEveryTie()) {
            Arrays.fill(quotas, ALL_TIES);
            return quotas;
        }
        if (sources.size() == 1) { // one source takes the cut's ties itself, uncounted
            quotas[0] = cut.takeAtKey();
            return quotas;
        }
        long[] equal = IntStream.range(0, sources.size()).parallel().mapToLong(s -> {
            long[] count = {0};
            var source = sources.get(s);
            source.forEachChunk(0, source.length(), (from, keys, length) -> {
                for (int i = 0; i < length; i++) {
                    if (keys[i] == cut.key()) {
                        count[0]++;
                    }
                }
            });
            return count[0];
        }).toArray();
        long left = cut.takeAtKey();
        for (int s = 0; s < quotas.length; s++) {
            quotas[s] = Math.min(left, equal[s]);
            left -= quotas[s];
        }
        Reference.reachabilityFence(sources);
        return quotas;
    }

    /**
     * Writes 1 (keep) or 0 (prune) for every entry of {@code source}, as float bits, into {@code out}: prune the
     * entries already pruned, every entry below the cut, and the first {@code takeAtKey} entries equal to it.
     * Without ties to count, chunks are written in parallel and without branches.
     */
    public static void fill(Source source, Cut cut, long takeAtKey, IntBuffer out) {
        int n = source.length();
        if (cut.nothing() || takeAtKey == 0 || takeAtKey == ALL_TIES) {
            // unsigned keys compared as signed ints once their top bit is flipped; ALREADY_PRUNED becomes the lowest
            int bound = cut.key() ^ Integer.MIN_VALUE;
            boolean nothing = cut.nothing();
            boolean ties = takeAtKey == ALL_TIES;
            IntStream.range(0, (n + SEGMENT - 1) / SEGMENT).parallel().forEach(s -> {
                var keep = new int[CHUNK];
                source.forEachChunk(s * SEGMENT, Math.min(n, (s + 1) * SEGMENT), (from, keys, length) -> {
                    if (nothing) {
                        for (int i = 0; i < length; i++) {
                            keep[i] = nonZero(keys[i]) & ONE;
                        }
                    } else if (ties) {
                        for (int i = 0; i < length; i++) {
                            keep[i] = lessThan(bound, keys[i] ^ Integer.MIN_VALUE) & ONE;
                        }
                    } else {
                        for (int i = 0; i < length; i++) {
                            keep[i] = ~lessThan(keys[i] ^ Integer.MIN_VALUE, bound) & nonZero(keys[i]) & ONE;
                        }
                    }
                    out.put(from, keep, 0, length);
                });
            });
            return;
        }
        int cutKey = cut.key();
        long[] taken = {0};
        var keep = new int[CHUNK];
        source.forEachChunk(0, n, (from, keys, length) -> {
            for (int i = 0; i < length; i++) {
                int k = keys[i];
                boolean prune = k == ALREADY_PRUNED || Integer.compareUnsigned(k, cutKey) < 0
                        || (k == cutKey && taken[0]++ < takeAtKey);
                keep[i] = prune ? 0 : ONE;
            }
            out.put(from, keep, 0, length);
        });
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
