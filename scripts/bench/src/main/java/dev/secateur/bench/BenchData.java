package dev.secateur.bench;

import dev.secateur.data.DataSplits;
import dev.secateur.data.DatasetLoader;
import dev.secateur.spec.DataSpec;

/** Benchmarks use the full Fashion-MNIST when the Debian package is installed, as the figures in docs/results do. */
final class BenchData {

    private BenchData() {
    }

    static DataSplits full() {
        var data = new DatasetLoader().load(DataSpec.of(new DataSpec.Auto()), 1L);
        System.out.println("data: " + data.source() + " (" + data.train().size() + " train, " + data.test().size() + " test)");
        return data;
    }
}
