package dev.secateur.prune;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.FloatBuffer;
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
            for (int i = 0; i < s.scores().limit(); i++) {
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
}
