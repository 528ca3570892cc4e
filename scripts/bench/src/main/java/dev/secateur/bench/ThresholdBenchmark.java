package dev.secateur.bench;

import dev.secateur.model.PrunableParam;
import dev.secateur.model.MaskSet;
import dev.secateur.prune.Pruner;
import dev.secateur.prune.ThresholdSelector;
import dev.secateur.score.ScoreSet;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.LayerKind;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;

import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A global 90% cut over 100M scores held in four 25M-entry parameters: the radix select Secateur uses,
 * the whole global plan built on it (masks included), where the plan's time goes (the masks written from a
 * known cut, and the floor under them: fresh memory written once), and the sort-based way it replaces.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx10g", "-Dorg.bytedeco.javacpp.maxbytes=14g", "-Dorg.bytedeco.javacpp.maxphysicalbytes=20g"})
public class ThresholdBenchmark {

    @Param("100000000")
    long total;

    private final List<INDArray> scores = new ArrayList<>();
    private List<ThresholdSelector.Source> sources;
    private List<PrunableParam> params;
    private ScoreSet scoreSet;
    private ThresholdSelector.Cut precomputedCut;

    @Setup
    public void setUp() {
        int parts = 4;
        long each = total / parts;
        Nd4j.getRandom().setSeed(42);
        params = new ArrayList<>();
        var byRef = new HashMap<ParamRef, INDArray>();
        for (int i = 0; i < parts; i++) {
            var s = Nd4j.randn(DataType.FLOAT, each / 1000, 1000);
            scores.add(s);
            var ref = ParamRef.weights(i);
            params.add(new PrunableParam(ref, LayerKind.DENSE, s.shape(), null));
            byRef.put(ref, s);
        }
        scoreSet = ScoreSet.of(byRef, "random", "bench");
        sources = scores.stream().map(s -> ThresholdSelector.Source.of(s, null)).toList();
        precomputedCut = ThresholdSelector.select(sources, Math.round(0.9 * total));
    }

    @Benchmark
    public ThresholdSelector.Cut radixSelect() {
        return ThresholdSelector.select(sources, Math.round(0.9 * total));
    }

    @Benchmark
    public Object globalPlanWithMasks() {
        return new Pruner().plan(params, scoreSet, MaskSet.NONE, Granularity.unstructured(), new Scope.Global(Set.of()),
                new Pruner.StepTarget(1, 0.9, Map.of()), new Provenance("random", "bench", Options.NONE, "one-shot", "bench", 1L));
    }

    /** The plan less its selection: the tie quotas and the masks written into fresh memory. */
    @Benchmark
    public Object masksFromACut() {
        var cut = precomputedCut;
        long[] quotas = ThresholdSelector.tieQuotas(sources, cut);
        var masks = new ArrayList<INDArray>();
        for (int i = 0; i < sources.size(); i++) {
            var mask = Nd4j.createUninitialized(DataType.FLOAT, scores.get(i).shape(), 'c');
            ThresholdSelector.fill(sources.get(i), cut, quotas[i], ThresholdSelector.bitsOf(mask));
            masks.add(mask);
        }
        return masks;
    }

    /** The floor under the masks: 400 MB of fresh native memory, each page written once (the kernel's page faults). */
    @Benchmark
    public Object freshMemoryWrittenOnce() {
        var arrays = new ArrayList<INDArray>();
        for (var s : scores) {
            arrays.add(Nd4j.createUninitialized(DataType.FLOAT, s.shape(), 'c').assign(1f));
        }
        return arrays;
    }

    /** What a sort-based threshold costs: concatenate, sort, read the 90th percentile. */
    @Benchmark
    @Measurement(iterations = 2)
    public float nd4jSortBaseline() {
        var flat = Nd4j.toFlattened(scores);
        var sorted = Nd4j.sort(flat, true);
        return sorted.getFloat(Math.round(0.9 * total) - 1);
    }
}
