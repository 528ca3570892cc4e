package dev.secateur.prune;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ThresholdSelectorTest {

    private static ThresholdSelector.Source source(float... scores) {
        return new ThresholdSelector.Source(FloatBuffer.wrap(scores), null);
    }

    /** How many entries the cut prunes, walking the sources in order as the pruner does. */
    private static long pruned(List<ThresholdSelector.Source> sources, ThresholdSelector.Cut cut) {
        if (cut.nothing()) {
            return 0;
        }
        long count = 0;
        long taken = 0;
        for (var s : sources) {
            for (int i = 0; i < s.length(); i++) {
                int k = s.key(i);
                if (Integer.compareUnsigned(k, cut.key()) < 0 || (k == cut.key() && taken++ < cut.takeAtKey())) {
                    count++;
                }
            }
        }
        return count;
    }

    @Test
    void keysOrderLikeTheFloatsTheyCome() {
        float[] values = {Float.NEGATIVE_INFINITY, -3.5f, -0f, 0f, 1e-30f, 2f, Float.MAX_VALUE, Float.POSITIVE_INFINITY};
        for (int i = 1; i < values.length; i++) {
            assertThat(Integer.compareUnsigned(ThresholdSelector.key(values[i - 1]), ThresholdSelector.key(values[i])))
                    .as("%s < %s", values[i - 1], values[i]).isLessThanOrEqualTo(0);
            assertThat(ThresholdSelector.value(ThresholdSelector.key(values[i]))).isEqualTo(values[i]);
        }
    }

    @Test
    void cutValueIsTheMthSmallestOfRandomScoresAcrossSources() {
        var rng = new Random(11);
        var sources = new ArrayList<ThresholdSelector.Source>();
        var all = new ArrayList<Float>();
        for (int s = 0; s < 3; s++) {
            float[] values = new float[1000 + 500 * s];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) rng.nextGaussian();
                all.add(values[i]);
            }
            sources.add(source(values));
        }
        all.sort(Float::compare);
        for (long m : new long[]{1, 17, 1500, 2999, all.size()}) {
            var cut = ThresholdSelector.select(sources, m);
            assertThat(cut.value()).isEqualTo(all.get((int) m - 1));
            assertThat(pruned(sources, cut)).isEqualTo(m);
        }
        assertThat(ThresholdSelector.select(sources, 0)).isEqualTo(ThresholdSelector.Cut.NOTHING);
    }

    @Test
    void tiesAreBrokenByPositionSoTheCountIsExact() {
        float[] values = new float[100];
        Arrays.fill(values, 0.5f);
        var sources = List.of(source(values), source(values.clone()));
        var cut = ThresholdSelector.select(sources, 37);
        assertThat(cut.value()).isEqualTo(0.5f);
        assertThat(cut.takeAtKey()).isEqualTo(37);
        assertThat(pruned(sources, cut)).isEqualTo(37);
    }

    @Test
    void maskedEntriesCountAsAlreadyPrunedWhateverTheirScore() {
        var scores = FloatBuffer.wrap(new float[]{9f, 1f, 2f, 8f});
        var mask = FloatBuffer.wrap(new float[]{0f, 1f, 1f, 1f});
        var sources = List.of(new ThresholdSelector.Source(scores, mask));
        var cut = ThresholdSelector.select(sources, 2);
        assertThat(sources.get(0).key(0)).isEqualTo(ThresholdSelector.ALREADY_PRUNED);
        assertThat(cut.value()).isEqualTo(1f);
        assertThat(pruned(sources, cut)).isEqualTo(2);
    }

    /** The masks the cut gives, walking the sources one entry at a time in order: what the chunked, parallel fill must equal. */
    private static List<float[]> referenceMasks(List<ThresholdSelector.Source> sources, ThresholdSelector.Cut cut) {
        var masks = new ArrayList<float[]>();
        long taken = 0;
        for (var s : sources) {
            float[] keep = new float[s.length()];
            for (int i = 0; i < keep.length; i++) {
                int k = s.key(i);
                boolean prune = k == ThresholdSelector.ALREADY_PRUNED || !cut.nothing() && (Integer.compareUnsigned(k, cut.key()) < 0
                        || (k == cut.key() && taken++ < cut.takeAtKey()));
                keep[i] = prune ? 0f : 1f;
            }
            masks.add(keep);
        }
        return masks;
    }

    private static List<float[]> filled(List<ThresholdSelector.Source> sources, ThresholdSelector.Cut cut) {
        long[] quotas = ThresholdSelector.tieQuotas(sources, cut);
        var masks = new ArrayList<float[]>();
        for (int s = 0; s < sources.size(); s++) {
            int[] bits = new int[sources.get(s).length()];
            ThresholdSelector.fill(sources.get(s), cut, quotas[s], IntBuffer.wrap(bits));
            float[] keep = new float[bits.length];
            for (int i = 0; i < bits.length; i++) {
                keep[i] = Float.intBitsToFloat(bits[i]);
            }
            masks.add(keep);
        }
        return masks;
    }

    @Test
    void masksFilledInParallelChunksEqualTheEntryByEntryRuleAcrossSegmentsTiesAndMasks() {
        var rng = new Random(29);
        // one source longer than two segments, one shorter than a chunk, one with a mask; scores rounded to
        // steps of 1/64 so that many entries tie at any cut
        int[] lengths = {2 * ThresholdSelector.SEGMENT + 12_345, ThresholdSelector.CHUNK - 7, 50_000};
        var sources = new ArrayList<ThresholdSelector.Source>();
        long total = 0;
        for (int s = 0; s < lengths.length; s++) {
            float[] values = new float[lengths[s]];
            for (int i = 0; i < values.length; i++) {
                values[i] = Math.round(rng.nextGaussian() * 64) / 64f;
            }
            FloatBuffer mask = null;
            if (s == 2) {
                float[] m = new float[lengths[s]];
                for (int i = 0; i < m.length; i++) {
                    m[i] = switch (rng.nextInt(8)) {
                        case 0 -> 0f;
                        case 1 -> -0f; // a mask of -0 prunes too
                        default -> 1f;
                    };
                }
                mask = FloatBuffer.wrap(m);
            }
            sources.add(new ThresholdSelector.Source(FloatBuffer.wrap(values), mask));
            total += lengths[s];
        }
        int partial = 0;
        for (double fraction : new double[]{0, 0.1, 0.37, 0.5, 0.9, 0.999}) {
            long m = Math.max(Math.round(fraction * total), 12_500 * (fraction > 0 ? 1 : 0));
            var cut = ThresholdSelector.select(sources, m);
            assertThat(pruned(sources, cut)).as("pruned at %s", fraction).isEqualTo(m);
            var expected = referenceMasks(sources, cut);
            var actual = filled(sources, cut);
            for (int s = 0; s < sources.size(); s++) {
                assertThat(actual.get(s)).as("source %d at %s", s, fraction).isEqualTo(expected.get(s));
            }
            partial += cut.takeAtKey() > 0 && !cut.takesEveryTie() ? 1 : 0;
        }
        // a cut exactly at the end of a run of ties takes every tie: the fast path
        var cut = ThresholdSelector.select(sources, Math.round(0.5 * total));
        var atTieEnd = ThresholdSelector.select(sources, Math.round(0.5 * total) - cut.takeAtKey() + cut.atKey());
        assertThat(atTieEnd.takesEveryTie()).isTrue();
        assertThat(ThresholdSelector.tieQuotas(sources, atTieEnd)).containsOnly(ThresholdSelector.ALL_TIES);
        var expected = referenceMasks(sources, atTieEnd);
        var actual = filled(sources, atTieEnd);
        for (int s = 0; s < sources.size(); s++) {
            assertThat(actual.get(s)).as("source %d, every tie taken", s).isEqualTo(expected.get(s));
        }
        assertThat(partial).as("cuts that split a run of ties").isGreaterThan(0);
    }
}
