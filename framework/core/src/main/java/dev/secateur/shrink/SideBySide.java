package dev.secateur.shrink;

import dev.secateur.errors.BadInputException;
import dev.secateur.evaluate.BatchNormFolding;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.evaluate.TimedSection;
import dev.secateur.model.Network;
import dev.secateur.model.gpt.TokenEmbedding;
import dev.secateur.model.onnx.OnnxWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleSupplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The honest speed-up of physical removal: the two networks measured in one sitting, alternating. */
public final class SideBySide {

    private SideBySide() {
    }

    /** A removal measured: the lines that tell it, and its figures, for removal.csv. */
    public record Measured(List<String> lines, List<RemovalFigure> figures) {

        public Measured {
            lines = List.copyOf(lines);
            figures = List.copyOf(figures);
        }
    }

    /** The larger batch of the side-by-side timing: 256 examples, or 16 sequences for a language model (2,048 tokens at 128). */
    static final int LARGE_BATCH = 256;
    static final int LARGE_BATCH_SEQUENCES = 16;

    /**
     * The masked network against the shrunk one, measured side by side: parameters, FLOPs per example, and
     * the median latency at batch 1 and a larger batch on random inputs, the two models alternating. A language
     * model's batch is of sequences, each its full context: 256 of them ran the JVM out of native memory.
     */
    public static Measured measure(Network masked, Network shrunk) {
        int inputs = masked.inputSize();
        int large = readsTokens(masked) ? LARGE_BATCH_SEQUENCES : LARGE_BATCH;
        var evaluator = new Evaluator();
        INDArray one = Nd4j.rand(DataType.FLOAT, 1, inputs);
        var before = evaluator.census(masked, one);
        var after = evaluator.census(shrunk, one);
        var lines = new ArrayList<String>();
        var figures = new ArrayList<RemovalFigure>();
        figures.add(new RemovalFigure(RemovalFigure.PARAMS, 0, "", before.params(), after.params()));
        figures.add(new RemovalFigure(RemovalFigure.FLOPS, 0, "", before.flops(), after.flops()));
        lines.add(String.format(Locale.ROOT, "params %,d -> %,d (%.1f%% fewer); FLOPs per example %,d -> %,d (%.1f%% fewer)",
                before.params(), after.params(), 100.0 * (before.params() - after.params()) / before.params(),
                before.flops(), after.flops(), 100.0 * (before.flops() - after.flops()) / before.flops()));
        // timed as one section: on a cluster worker, no other timing on this host overlaps it
        lines.addAll(TimedSection.run(() -> {
            var timed = new ArrayList<String>();
            for (int batch : new int[]{1, large}) {
                INDArray x = Nd4j.rand(DataType.FLOAT, batch, inputs);
                int warmup = batch == 1 ? 20 : 2;
                int repeats = batch == 1 ? 50 : 5;
                double[] ms = alternating(masked, shrunk, x, warmup, repeats);
                Evaluator.releaseNativeMemory();
                figures.add(new RemovalFigure(RemovalFigure.LATENCY_MS, batch, "", ms[0], ms[1]));
                timed.add(String.format(Locale.ROOT, "latency at batch %d: %.3f ms masked, %.3f ms shrunk (x%.2f; medians of 3 alternating rounds)",
                        batch, ms[0], ms[1], ms[0] / ms[1]));
            }
            timed.addAll(profile(masked, shrunk, Nd4j.rand(DataType.FLOAT, large, inputs), figures));
            return timed;
        }));
        lines.addAll(deployed(masked, shrunk, 1 - (double) after.flops() / before.flops(), figures));
        return new Measured(lines, figures);
    }

    /**
     * The same cut where the model is deployed: both networks written as ONNX and timed in onnxruntime with one
     * thread, and the latency cut at the largest batch set against the FLOPs cut (both as fractions removed).
     */
    static List<String> deployed(Network masked, Network shrunk, double flopsCut, List<RemovalFigure> figures) {
        if (!OnnxRuntimeLatency.available()) {
            return List.of("onnxruntime is not on the class path, so the deployed latency was not timed (bin/secateur carries it)");
        }
        byte[] dense;
        byte[] pruned;
        try {
            dense = OnnxWriter.bytes(masked);
            pruned = OnnxWriter.bytes(shrunk);
        } catch (BadInputException e) {
            return List.of("onnxruntime: not timed, since the network has no ONNX form (" + e.getMessage() + ")");
        }
        OnnxRuntimeLatency.Report report;
        try {
            report = OnnxRuntimeLatency.measure(dense, pruned, masked.inputShape(), OnnxRuntimeLatency.BATCHES, 3);
        } catch (RuntimeException e) { // an optional measurement: the run goes on without it
            return List.of("onnxruntime: not timed, since it could not run the written networks (" + e.getMessage() + ")");
        }
        var lines = new ArrayList<>(report.lines());
        report.timings().forEach(t -> figures.add(new RemovalFigure(RemovalFigure.ONNXRUNTIME_MS, t.batch(), "", t.denseMs(), t.prunedMs())));
        var largest = report.timings().get(report.timings().size() - 1);
        double latencyCut = 1 - largest.prunedMs() / largest.denseMs();
        lines.add(flopsCut > 0
                ? String.format(Locale.ROOT, "onnxruntime latency cut at batch %d: %.1f%% for a FLOPs cut of %.1f%% (%.2f of it)",
                        largest.batch(), 100 * latencyCut, 100 * flopsCut, latencyCut / flopsCut)
                : String.format(Locale.ROOT, "onnxruntime latency cut at batch %d: %.1f%%, with no FLOPs removed", largest.batch(), 100 * latencyCut));
        return lines;
    }

    /** Whether the network reads token ids (a language model's sequences), not feature rows. */
    static boolean readsTokens(Network net) {
        for (int i = 0; i < net.layerCount(); i++) {
            if (net.layer(i).conf().getLayer() instanceof TokenEmbedding) {
                return true;
            }
        }
        return false;
    }

    /** The median latency of each network over 3 rounds in which the two are timed alternately: {first, second}. */
    public static double[] alternating(Network first, Network second, INDArray x, int warmup, int repeats) {
        return alternating(() -> Evaluator.latencyMs(first, x, warmup, repeats),
                () -> Evaluator.latencyMs(second, x, warmup, repeats), 3);
    }

    /**
     * Two timings taken side by side: each round times both, the order swapped every round so that a drift
     * of the machine's load or clock falls on both alike. Returns the median over the rounds of each: {first, second}.
     *
     * @param first  one round's timing of the first thing (a median over passes, say)
     */
    public static double[] alternating(DoubleSupplier first, DoubleSupplier second, int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, not " + rounds);
        }
        double[] a = new double[rounds];
        double[] b = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            if (round % 2 == 0) {
                a[round] = first.getAsDouble();
                b[round] = second.getAsDouble();
            } else {
                b[round] = second.getAsDouble();
                a[round] = first.getAsDouble();
            }
        }
        return new double[]{Evaluator.median(a), Evaluator.median(b)};
    }

    /** A profile of {@code copy}'s layers, each numbered as the layer of {@code net} with its name. */
    private static List<LayerProfile.Row> numberedAsIn(List<LayerProfile.Row> rows, Network copy, Network net) {
        var index = new HashMap<String, Integer>();
        for (int i = 0; i < net.layerCount(); i++) {
            index.putIfAbsent(net.layer(i).conf().getLayer().getLayerName(), i);
        }
        return rows.stream().map(row -> {
            String name = copy.layer(row.layer()).conf().getLayer().getLayerName();
            return new LayerProfile.Row(name == null ? row.layer() : index.getOrDefault(name, row.layer()), row.type(), row.ms(), row.flops());
        }).toList();
    }

    /**
     * Per-layer time at the larger batch of both networks, next to the FLOPs: where a latency cut falls short of the
     * FLOPs cut. Each is profiled as its latency is timed, with its batch normalisations folded into their convolutions,
     * so the layers are the folded copy's, numbered as the model's.
     */
    static List<String> profile(Network masked, Network shrunk, INDArray x, List<RemovalFigure> figures) {
        var foldedMasked = BatchNormFolding.forInference(masked);
        var foldedShrunk = BatchNormFolding.forInference(shrunk);
        boolean folded = foldedMasked.layerCount() == foldedShrunk.layerCount() && foldedMasked.layerCount() < masked.layerCount();
        if (!folded) { // both as they are, where folding left them unequal (one could not be read) or left nothing out
            foldedMasked = masked;
            foldedShrunk = shrunk;
        }
        var before = numberedAsIn(LayerProfile.of(foldedMasked, x, 2, 5), foldedMasked, masked);
        Evaluator.releaseNativeMemory();
        var after = numberedAsIn(LayerProfile.of(foldedShrunk, x, 2, 5), foldedShrunk, shrunk);
        Evaluator.releaseNativeMemory();
        var lines = new ArrayList<String>();
        lines.add("where the time goes at batch " + x.size(0) + " (median ms per layer, masked -> shrunk, and FLOPs per example"
                + (folded ? "; the layers of a copy with each batch normalisation folded into its convolution, as the latencies are timed,"
                        + " numbered as in the model" : "") + "):");
        double weightedBefore = 0;
        double weightedAfter = 0;
        double otherBefore = 0;
        double otherAfter = 0;
        long flopsBefore = 0;
        long flopsAfter = 0;
        for (int i = 0; i < before.size(); i++) {
            var b = before.get(i);
            var a = after.get(i);
            figures.add(new RemovalFigure(RemovalFigure.LAYER_MS, (int) x.size(0), b.layer() + " " + b.type(), b.ms(), a.ms()));
            figures.add(new RemovalFigure(RemovalFigure.LAYER_FLOPS, 0, b.layer() + " " + b.type(), b.flops(), a.flops()));
            if (b.flops() > 0) {
                weightedBefore += b.ms();
                weightedAfter += a.ms();
                flopsBefore += b.flops();
                flopsAfter += a.flops();
                lines.add(String.format(Locale.ROOT, "  layer %-2d %-22s %8.2f -> %8.2f ms (%+6.1f%%)   FLOPs %,11d -> %,11d (%+6.1f%%)",
                        b.layer(), b.type(), b.ms(), a.ms(), 100 * (a.ms() / b.ms() - 1), b.flops(), a.flops(),
                        100 * ((double) a.flops() / b.flops() - 1)));
            } else {
                otherBefore += b.ms();
                otherAfter += a.ms();
            }
        }
        double total = weightedBefore + otherBefore;
        lines.add(String.format(Locale.ROOT, "  layers with weights: %.2f -> %.2f ms (%+.1f%%) for %+.1f%% FLOPs; layers without weights "
                        + "(pooling, batch norm, activations): %.2f -> %.2f ms, %.0f%% of the masked pass, with no FLOPs counted",
                weightedBefore, weightedAfter, 100 * (weightedAfter / weightedBefore - 1), 100 * ((double) flopsAfter / flopsBefore - 1),
                otherBefore, otherAfter, 100 * otherBefore / total));
        return lines;
    }


}
