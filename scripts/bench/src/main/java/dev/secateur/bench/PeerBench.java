package dev.secateur.bench;

import dev.secateur.data.Dataset;
import dev.secateur.data.TextCorpus;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.evaluate.SmallBatchForward;
import dev.secateur.finetune.FineTuner;
import dev.secateur.finetune.TrainingProgressListener;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.NativeBackend;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.gpt.GptShape;
import dev.secateur.model.gpt.GptTiny;
import dev.secateur.prune.Pruner;
import dev.secateur.score.ScoreSet;
import dev.secateur.shrink.Shrinker;
import dev.secateur.shrink.SideBySide;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Secateur's half of {@code scripts/bench/run.sh peer}: the same training, evaluation and latency work that
 * {@code scripts/bench/peer.py} gives PyTorch, through Secateur's own {@link FineTuner} and {@link Evaluator}.
 * Every figure is one line {@code PEER secateur <figure> <value>}; the script alternates the two programs in
 * rounds and prints the ratios. The thread count is the process's OMP_NUM_THREADS.
 *
 * <p>Arguments: LeNet-5 training examples, LeNet-300-100 training examples, vgg-small's and resnet-small's, and
 * gpt-tiny's training sequences; 0 leaves a model out.
 */
public final class PeerBench {

    /** li2016-filters.groovy's FLOPs budget on LeNet-5 chose these ratios for L1 filters (docs/results/li2016.md). */
    static final Map<String, Double> LI2016_LENET5_RATIOS = Map.of("0_W", 0.2, "2_W", 0.3);

    /** How the figures are labelled: {@code secateur}, or {@code secateur-before} for DL4J's own paths. */
    private static final String LABEL = System.getProperty("peer.label", "secateur");

    public static void main(String[] args) {
        int lenet5Examples = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int lenet300Examples = args.length > 1 ? Integer.parseInt(args[1]) : 60000;
        int smallConvExamples = args.length > 2 ? Integer.parseInt(args[2]) : 3000;
        int gptSequences = args.length > 3 ? Integer.parseInt(args[3]) : 800;
        var data = BenchData.full();
        var warm = data.train().sample(500, 2L);
        var tuner = new FineTuner();
        System.out.println("PEER " + LABEL + " backend " + NativeBackend.variant() + ", oneDNN layer helpers "
                + (NativeBackend.layerHelpersActive() ? "on" : "off") + ", threads " + System.getenv("OMP_NUM_THREADS"));
        for (var arch : new Architecture[]{Architecture.LENET_5, Architecture.LENET_300_100, Architecture.VGG_SMALL, Architecture.RESNET_SMALL}) {
            String model = arch.id();
            int examples = switch (arch) {
                case LENET_5 -> lenet5Examples;
                case LENET_300_100 -> lenet300Examples;
                default -> smallConvExamples;
            };
            if (examples == 0) {
                continue; // left out: only the other models are compared
            }
            var train = data.train().sample(Math.min(examples, data.train().size()), 1L);
            for (int batch : new int[]{64, 128}) {
                var net = arch.network(1L, 1e-3);
                tuner.train(net, warm, new TrainingSpec(1, batch, 1e-3), MaskSet.NONE, 1L, TrainingProgressListener.NONE);
                var report = tuner.train(net, train, new TrainingSpec(1, batch, 1e-3), MaskSet.NONE, 1L, TrainingProgressListener.NONE);
                figure("train." + model + ".b" + batch + ".examples_per_s", report.examplesPerSecond());
            }
            var net = arch.network(1L, 1e-3);
            tuner.train(net, train, new TrainingSpec(1, 64, 1e-3), MaskSet.NONE, 1L, TrainingProgressListener.NONE);
            Evaluator.quality(net, data.test().sample(2000, 4L)); // warm-up
            // the median of three passes over the test images: an evaluator runs after every step of a schedule, so
            // its steady state is what a run pays; peer.py times PyTorch the same way
            double[] seconds = new double[3];
            Evaluator.Quality quality = null;
            for (int pass = 0; pass < seconds.length; pass++) {
                long start = System.nanoTime();
                quality = Evaluator.quality(net, data.test());
                seconds[pass] = (System.nanoTime() - start) / 1e9;
            }
            // in the evaluator's batches, sized to memory (Evaluator.evaluationBatch); peer.py sizes PyTorch's the same way
            figure("eval." + model + ".batch", Evaluator.evaluationBatch(net, data.test()));
            figure("eval." + model + ".examples_per_s", data.test().size() / Evaluator.median(seconds));
            figure("eval." + model + ".accuracy", quality.accuracy());
            figure("eval." + model + ".loss", quality.loss());
            for (int batch : new int[]{1, 8, 256}) {
                figure("latency." + model + ".b" + batch + ".ms", latency(net, data.test().features(), batch));
            }
            if (arch == Architecture.LENET_5) {
                prunedLatency(net, data.test().features());
            }
            if (arch == Architecture.LENET_300_100) {
                perceptronParts(net, data.test().features());
            }
            Evaluator.releaseNativeMemory();
        }
        if (gptSequences > 0) {
            gptTiny(gptSequences);
        }
        System.out.println("PEER " + LABEL + " libraries " + NativeLibraries.mapped());
    }

    /** Where the text comes from: the reStructuredText sources of the Python 3.11 documentation (python3.11-doc). */
    static final Path CORPUS = Path.of("/usr/share/doc/python3.11/html/_sources");

    /**
     * gpt-tiny at its default size (875,520 parameters, context 128) on the corpus's bytes, every *.txt in path order:
     * Adam at 3e-3 in steps of 16 sequences, as the reproduction trains it; then evaluation in batches of 256
     * sequences, as the evaluator reads text, and the latency of 1 and 8 sequences. A sequence is 128 tokens.
     */
    private static void gptTiny(int sequences) {
        byte[] text = corpus();
        int context = GptShape.DEFAULT.context();
        var train = windows(text, 0, sequences, context);
        var test = windows(text, sequences, 512, context);
        var warm = windows(text, sequences + 512, 64, context);
        var tuner = new FineTuner();
        var net = GptTiny.network(GptShape.DEFAULT, 1L, 3e-3);
        tuner.train(net, warm, new TrainingSpec(1, 16, 3e-3), MaskSet.NONE, 1L, TrainingProgressListener.NONE);
        var report = tuner.train(net, train, new TrainingSpec(1, 16, 3e-3), MaskSet.NONE, 1L, TrainingProgressListener.NONE);
        figure("train.gpt-tiny.b16.examples_per_s", report.examplesPerSecond());
        Evaluator.quality(net, warm);
        long start = System.nanoTime();
        var quality = Evaluator.quality(net, test);
        figure("eval.gpt-tiny.b256.examples_per_s", test.size() / ((System.nanoTime() - start) / 1e9));
        figure("eval.gpt-tiny.loss", quality.loss());
        for (int batch : new int[]{1, 8}) {
            INDArray x = test.features().get(NDArrayIndex.interval(0, batch), NDArrayIndex.all()).dup();
            figure("latency.gpt-tiny.b" + batch + ".ms", Evaluator.latencyMs(net, x, 5, 30));
        }
        Evaluator.releaseNativeMemory();
    }

    /** Every *.txt under the corpus, in path order, one after the other, as {@code data text(...)} reads it. */
    static byte[] corpus() {
        return TextCorpus.bytes(new DataSpec.Text(CORPUS, GptShape.DEFAULT.context(), "*.txt"));
    }

    /** {@code count} sequences of {@code context} bytes from sequence {@code first} on, each with its next bytes as labels. */
    static Dataset windows(byte[] text, int first, int count, int context) {
        int[] starts = new int[count];
        for (int k = 0; k < count; k++) {
            starts[k] = (first + k) * (context + 1);
        }
        return Dataset.ofText("python3.11-doc", text, starts, context);
    }

    /** LeNet-5 with li2016's filters removed physically: its FLOPs cut and its latency cut at batch 256, side by side. */
    private static void prunedLatency(Network dense, INDArray features) {
        var masked = dense.copy();
        var params = NetworkLayout.prunable(masked);
        var scores = new HashMap<ParamRef, INDArray>();
        var ratios = new HashMap<ParamRef, Double>();
        params.forEach(p -> {
            scores.put(p.weights(), Transforms.abs(masked.getParam(p.weights().toString()), true));
            ratios.put(p.weights(), LI2016_LENET5_RATIOS.getOrDefault(p.weights().toString(), 0.0));
        });
        var plan = new Pruner().plan(params, ScoreSet.of(scores, "magnitude", "bench"), MaskSet.NONE,
                Granularity.structured(GroupReduction.L1), new Scope.PerLayer(ratios, Set.of()),
                new Pruner.StepTarget(1, 0.0, ratios),
                new Provenance("magnitude", "bench", Options.NONE, "one-shot", "bench", 1L));
        MaskSet.of(plan.masks()).applyTo(masked);
        var shrunk = new Shrinker().shrink(masked).net();
        var evaluator = new Evaluator();
        INDArray one = features.get(NDArrayIndex.interval(0, 1), NDArrayIndex.all());
        double flopsCut = 1 - (double) evaluator.census(shrunk, one).flops() / evaluator.census(dense, one).flops();
        // alternating rounds, medians: the machine is shared
        double[] ms = SideBySide.alternating(dense, shrunk, features.get(NDArrayIndex.interval(0, 256), NDArrayIndex.all()).dup(), 3, 15);
        figure("pruned.lenet-5.flops_cut", flopsCut);
        figure("pruned.lenet-5.b256.dense_ms", ms[0]);
        figure("pruned.lenet-5.b256.pruned_ms", ms[1]);
        figure("pruned.lenet-5.latency_cut_per_flops_cut", (1 - ms[1] / ms[0]) / flopsCut);
        System.out.println("PEER " + LABEL + " shape " + shape(shrunk));
    }

    /**
     * One evaluation batch of LeNet-300-100 (1,000 test images) taken apart: the whole forward pass as the evaluator
     * makes it, and its three matrix products alone (784 to 300 to 100 to 10, no bias, no ReLU, so beta 0 where the
     * pass adds to the bias with beta 1) through the library the pass uses at that size (since commit e550589
     * {@code Nd4j.gemm}, which libnd4j hands to oneDNN's matmul; before, OpenBLAS), laid out as the pass lays them out. peer.py times the same two with PyTorch, so the ratios say
     * whether a gap is in the products or around them.
     */
    private static void perceptronParts(Network net, INDArray features) {
        INDArray x = features.get(NDArrayIndex.interval(0, 1000), NDArrayIndex.all()).dup('c');
        try (var pass = Objects.requireNonNull(SmallBatchForward.of(net), "LeNet-300-100 has no small-batch pass")) {
            figure("eval.lenet-300-100.b1000.forward.ms", Evaluator.medianMs(() -> pass.probabilities(x), 20, 50));
        }
        int[] sizes = {784, 300, 100, 10};
        var activations = new INDArray[sizes.length];
        var weights = new INDArray[sizes.length - 1];
        activations[0] = x;
        for (int l = 0; l < weights.length; l++) {
            weights[l] = net.getParam(l + "_W").castTo(DataType.FLOAT).dup('f'); // DL4J's [inputs, outputs], column after column
            activations[l + 1] = Nd4j.create(DataType.FLOAT, 1000, sizes[l + 1]);
        }
        figure("eval.lenet-300-100.b1000.matmul.ms", Evaluator.medianMs(() -> {
            for (int l = 0; l < weights.length; l++) {
                Nd4j.gemm(activations[l], weights[l], activations[l + 1], false, false, 1.0, 0.0);
            }
        }, 20, 50));
    }

    private static String shape(Network net) {
        var sb = new StringBuilder();
        NetworkLayout.prunable(net).forEach(p -> sb.append(p.weights()).append('=')
                .append(Arrays.toString(p.shape())).append(' '));
        return sb.toString().trim();
    }

    /** Small batches are timed over more passes: each takes well under a millisecond. */
    private static double latency(Network net, INDArray features, int batch) {
        INDArray x = features.get(NDArrayIndex.interval(0, batch), NDArrayIndex.all()).dup();
        return batch <= 8 ? Evaluator.latencyMs(net, x, 50, 200) : Evaluator.latencyMs(net, x, 3, 15);
    }

    private static void figure(String name, double value) {
        System.out.printf(Locale.ROOT, "PEER %s %s %.6g%n", LABEL, name, value);
    }
}
