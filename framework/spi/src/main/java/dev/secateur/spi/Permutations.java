package dev.secateur.spi;

import java.util.SplittableRandom;

/** Seeded shuffles, so that methods and the framework draw the same samples for the same seed. */
public final class Permutations {

    private Permutations() {
    }

    /** A Fisher-Yates permutation of 0..n-1 from a seed. */
    public static int[] of(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        var rng = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
