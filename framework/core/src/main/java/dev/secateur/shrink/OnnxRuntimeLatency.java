package dev.secateur.shrink;

import dev.secateur.evaluate.Evaluator;
import dev.secateur.evaluate.TimedSection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The latency cut a user will see where the model is deployed: a dense and a pruned ONNX model timed in
 * onnxruntime with one thread, side by side in alternating rounds ({@link SideBySide#alternating}), at each
 * batch size, on the same random inputs.
 *
 * <p>onnxruntime is an optional dependency of the core. This class loads without it; only {@link #measure}
 * needs it, and it reaches onnxruntime through {@link OnnxRuntimeRunner} alone, so ask {@link #available()}
 * first.
 */
public final class OnnxRuntimeLatency {

    /** One request, and a batch as a throughput server would take it. */
    public static final List<Integer> BATCHES = List.of(1, 256);
    public static final int DEFAULT_ROUNDS = 5;
    /** The inputs are uniform in [0, 1), like scaled pixels, from this seed. */
    static final long SEED = 42;
    /** Each model runs at least this long before any pass is timed: onnxruntime's first passes allocate its arenas. */
    private static final long WARMUP_NANOS = 250_000_000L;
    /** Roughly how long the slower model runs in one round; the passes per round follow from it. */
    private static final double ROUND_MS = 250;
    private static final int MIN_PASSES = 5;
    private static final int MAX_PASSES = 500;

    private OnnxRuntimeLatency() {
    }

    /**
     * The median latency of both models at one batch size.
     *
     * @param passes   passes of each model timed in each round (the round's figure is their median)
     */
    public record Timing(int batch, double denseMs, double prunedMs, int passes) {

        /** The latency cut as a speed-up factor: dense median over pruned median. */
        public double cut() {
            return denseMs / prunedMs;
        }
    }

    /** Where and how the timings were taken, and the timings per batch size. */
    public record Report(String version, String provider, int threads, int rounds, List<Timing> timings) {

        public Report {
            timings = List.copyOf(timings);
        }

        /** The report as lines for a speed account or the bench's output. */
        public List<String> lines() {
            var lines = new ArrayList<String>();
            lines.add(String.format(Locale.ROOT, "onnxruntime %s, %s, %d intra-op and %d inter-op thread, sequential, all graph optimisations",
                    version, provider, threads, threads));
            for (var t : timings) {
                lines.add(String.format(Locale.ROOT, "onnxruntime latency at batch %d: %.4f ms dense, %.4f ms pruned (cut x%.2f; "
                        + "medians of %d alternating rounds of %d passes)", t.batch(), t.denseMs(), t.prunedMs(), t.cut(), rounds, t.passes()));
            }
            return lines;
        }
    }

    /** Whether onnxruntime's Java API is on the class path; nothing of it is loaded to find out. */
    public static boolean available() {
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment", false, OnnxRuntimeLatency.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** {@link #measure(byte[], byte[], long[], List, int)} at batch 1 and 256, over {@value #DEFAULT_ROUNDS} rounds. */
    public static Report measure(byte[] dense, byte[] pruned, long[] exampleShape) {
        return measure(dense, pruned, exampleShape, BATCHES, DEFAULT_ROUNDS);
    }

    /**
     * Times two ONNX models in onnxruntime, one thread each, in alternating rounds at each batch size.
     *
     * @param exampleShape the input shape of one example, without the batch: {@code [1, 28, 28]} or {@code [784]}
     * @throws IllegalStateException if onnxruntime is not on the class path
     */
    public static Report measure(byte[] dense, byte[] pruned, long[] exampleShape, List<Integer> batches, int rounds) {
        if (!available()) {
            throw new IllegalStateException("onnxruntime is not on the class path; add com.microsoft.onnxruntime:onnxruntime "
                    + "(bin/secateur and scripts/bench carry it) to time ONNX models");
        }
        if (exampleShape.length == 0 || Arrays.stream(exampleShape).anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException("an example's input shape needs sizes of at least 1, not " + Arrays.toString(exampleShape));
        }
        if (rounds < 1 || batches.isEmpty() || batches.stream().anyMatch(b -> b < 1)) {
            throw new IllegalArgumentException("timing needs at least one round and batch sizes of at least 1, not " + rounds
                    + " rounds at batches " + batches);
        }
        try (var denseRunner = OnnxRuntimeRunner.open(dense); var prunedRunner = OnnxRuntimeRunner.open(pruned)) {
            // timed as one section: on a cluster worker, no other timing on this host overlaps it
            var timings = TimedSection.run(() -> {
                var taken = new ArrayList<Timing>();
                for (int batch : batches) {
                    taken.add(time(denseRunner, prunedRunner, randomInput(batch, exampleShape), rounds));
                }
                return taken;
            });
            return new Report(OnnxRuntimeRunner.version(), OnnxRuntimeRunner.provider(), 1, rounds, timings);
        }
    }

    private static Timing time(OnnxRuntimeRunner dense, OnnxRuntimeRunner pruned, INDArray x, int rounds) {
        try (var densePass = dense.pass(x); var prunedPass = pruned.pass(x)) {
            double slower = Math.max(warm(densePass), warm(prunedPass));
            int passes = (int) Math.max(MIN_PASSES, Math.min(MAX_PASSES, Math.ceil(ROUND_MS / slower)));
            // one untimed pass per round brings a model's weights back into the caches the other one used
            double[] ms = SideBySide.alternating(() -> Evaluator.medianMs(densePass, 1, passes),
                    () -> Evaluator.medianMs(prunedPass, 1, passes), rounds);
            return new Timing((int) x.size(0), ms[0], ms[1], passes);
        }
    }

    /** Runs a pass for the warm-up time (at least twice) and returns its latency after it, in ms. */
    private static double warm(Runnable pass) {
        long until = System.nanoTime() + WARMUP_NANOS;
        int n = 0;
        while (n < 2 || System.nanoTime() < until) {
            pass.run();
            n++;
        }
        return Evaluator.medianMs(pass, 0, 3);
    }

    /** A batch of uniform values in [0, 1) from {@link #SEED}: the same inputs for both models and every run. */
    static INDArray randomInput(int batch, long[] exampleShape) {
        long[] shape = new long[exampleShape.length + 1];
        shape[0] = batch;
        System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
        var random = new Random(SEED);
        float[] values = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat();
        }
        return Nd4j.create(values, shape, 'c');
    }
}
