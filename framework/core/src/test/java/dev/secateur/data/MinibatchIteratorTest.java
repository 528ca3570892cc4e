package dev.secateur.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MinibatchIteratorTest {

    private final Dataset train = Fixtures.smallData().train().select(IntStream.range(0, 100).toArray(), "100");

    private static List<Integer> epochClasses(MinibatchIterator it) {
        var seen = new ArrayList<Integer>();
        while (it.hasNext()) {
            var batch = it.next();
            var idx = batch.getLabels().argMax(1);
            for (int i = 0; i < idx.length(); i++) {
                seen.add(idx.getInt(i));
            }
        }
        return seen;
    }

    @Test
    void everyExampleOncePerEpochInASeededOrderThatChangesEachEpoch() {
        var it = new MinibatchIterator(train, 32, 3L);
        var first = epochClasses(it);
        it.reset();
        var second = epochClasses(it);
        assertThat(first).hasSize(100);
        assertThat(first.stream().sorted().toList()).isEqualTo(second.stream().sorted().toList());
        var again = new MinibatchIterator(train, 32, 3L);
        assertThat(epochClasses(again)).isEqualTo(first);
        var otherSeed = new MinibatchIterator(train, 32, 4L);
        assertThat(epochClasses(otherSeed)).isNotEqualTo(first);
        assertThat(second).isNotEqualTo(first);
    }

    @Test
    void lastBatchHoldsTheRemainder() {
        var it = new MinibatchIterator(train, 32, 1L);
        int batches = 0;
        int last = 0;
        while (it.hasNext()) {
            last = it.next().numExamples();
            batches++;
        }
        assertThat(batches).isEqualTo(4);
        assertThat(last).isEqualTo(4);
    }
}
