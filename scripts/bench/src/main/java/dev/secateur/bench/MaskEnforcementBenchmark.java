package dev.secateur.bench;

import dev.secateur.data.DatasetLoader;
import dev.secateur.data.MinibatchIterator;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.spec.DataSpec;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What masked fine-tuning adds to each update, measured on its own: re-applying LeNet-300-100's masks
 * (what the fine-tuner does after every update) against one training update on a batch of 64. Their ratio
 * is the masks' overhead, without the epoch-to-epoch noise of timing whole fine-tuning runs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MaskEnforcementBenchmark {

    private MultiLayerNetwork net;
    private MaskSet.Bound masks;
    private DataSet batch;

    @Setup
    public void setUp() {
        var data = new DatasetLoader().load(new DataSpec(new DataSpec.Embedded(), 1000, 100), 1L);
        net = Architecture.LENET_300_100.build(1L, 1e-3);
        masks = Pruned.byMagnitude(net, 0.9).bind(net); // as the fine-tuner binds them once per run
        batch = new MinibatchIterator(data.train(), 64, 1L).next().copy();
    }

    @Benchmark
    public void applyMasks() {
        masks.apply();
    }

    @Benchmark
    public void trainingUpdate() {
        net.fit(batch);
    }
}
