package dev.secateur.evaluate;

import dev.secateur.data.Dataset;
import dev.secateur.data.InputShape;
import dev.secateur.errors.Interrupts;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.spec.EvaluateSpec;
import dev.secateur.spi.ParamRef;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.longer.CountZero;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Measures a network: accuracy and loss on the test set, its census of zeros and FLOPs, and its latency. */
public final class Evaluator {

    private static final int EVAL_BATCH = 1000;
    /**
     * The most bytes the largest layer output of one evaluation batch through DL4J may take. DL4J writes layer outputs
     * to fresh native memory, and glibc takes a block above its mmap threshold (32 MB at most) straight from the kernel,
     * which faults it in and zeroes it page by page at every batch: vgg-small's first convolution (50 KB an image)
     * evaluated six times slower at batch 1,000 than at 167, and PyTorch's twin was slower at 1,000 too. Batches whose
     * largest output stays under 8 MB read faster than under 16 MB on LeNet-5 and vgg-small; under 4 MB, resnet-small
     * (334 images against 668) and the PyTorch ResNet read faster in a JVM's first evaluations and level after, the
     * others level (docs/results/speed.md, "Evaluation batches sized to memory" and the section after it).
     */
    static final long BATCH_BYTES = 4L << 20;
    /**
     * How long the first latency measurement at a batch size in a JVM runs forward passes before it times any: 500 ms,
     * or {@code -Dsecateur.latency.firstWarmupMillis} (the end-to-end tests, which check no timing, set 0).
     */
    private static final long FIRST_WARMUP_NANOS = Long.getLong("secateur.latency.firstWarmupMillis", 500L) * 1_000_000L;
    /** The inference paths and batch sizes timed once already in this JVM, such as {@code dl4j 256} or {@code small-batch 1}. */
    private static final Set<String> warmedPaths = ConcurrentHashMap.newKeySet();
    /**
     * Up to this many examples, a network without convolutions that the pass can run, but that is not one chain of
     * dense layers (dense layers joined by adds, a batch normalisation or a reshape between them), is answered through
     * {@link SmallBatchForward}, an example at a time; a chain of dense layers, each reading the one before (a
     * multilayer perceptron), is answered through it at any batch size. {@code scripts/bench/run.sh smallbatch} found the example-at-a-time pass ahead
     * of DL4J's output up to batch 4 and level at 8 (docs/results/speed.md).
     */
    static final int SMALL_BATCH = 4;
    /**
     * The same for a network with convolutions, its batch normalisations folded: ahead of DL4J's output up to batch 4 on
     * the three built-in ones, or level with it at 4, and behind at 8 on two of them ({@code scripts/bench/run.sh
     * smallbatch}, docs/results/speed.md).
     */
    static final int SMALL_CONVOLUTIONAL_BATCH = 4;
    /** The clipping DL4J's cross-entropy applies to softmax outputs. */
    private static final double PROBABILITY_FLOOR = 1e-10;

    /**
     * @param measure true to measure accuracy, loss and latency; false takes only the census, which is cheap
     */
    public EvaluationReport evaluate(MultiLayerNetwork net, Dataset test, EvaluateSpec spec, boolean measure) {
        return evaluate(Network.of(net), test, spec, measure);
    }

    public EvaluationReport evaluate(Network net, Dataset test, EvaluateSpec spec, boolean measure) {
        return evaluate(net, test, spec, measure, Map.of());
    }

    /**
     * @param denseWeights each prunable weight tensor's size before physical removal; sparsity is counted
     *                     against it, so a shrunk network reports what was removed (empty: the network as it is)
     */
    public EvaluationReport evaluate(Network net, Dataset test, EvaluateSpec spec, boolean measure, Map<ParamRef, Long> denseWeights) {
        var census = census(net, test.features().get(NDArrayIndex.interval(0, 1), NDArrayIndex.all()), denseWeights);
        if (!measure) {
            return new EvaluationReport(Double.NaN, Double.NaN, 0, census, Double.NaN, spec.latencyBatch(), Double.NaN,
                    spec.largeBatch(), Double.NaN);
        }
        long start = System.nanoTime();
        var quality = quality(net, test);
        double examplesPerS = test.size() / ((System.nanoTime() - start) / 1e9);
        int large = Math.min(spec.largeBatch(), test.size());
        double[] latencies = TimedSection.run(() -> new double[]{
                latencyMs(net, test, spec.latencyBatch(), spec.latencyWarmup(), spec.latencyRepeats()),
                large == 0 ? Double.NaN
                        : latencyMs(net, test, large, Math.max(3, Math.min(10, spec.latencyWarmup() / 10)), Math.max(5, spec.latencyRepeats() / 5))});
        double latency = latencies[0];
        double largeLatency = latencies[1];
        releaseNativeMemory();
        return new EvaluationReport(quality.accuracy(), quality.loss(), test.size(), census, latency, spec.latencyBatch(), largeLatency, large,
                examplesPerS, perplexity(test, quality.loss()));
    }

    /** A language model's perplexity, exp of its mean next-token cross-entropy; NaN for a classifier's data. */
    public static double perplexity(Dataset data, double loss) {
        return data.shape() instanceof InputShape.Tokens ? Math.exp(loss) : Double.NaN;
    }

    /**
     * Lets the JVM collect the arrays of finished forward passes now. ND4J frees an array's native memory
     * only when its Java object is collected, and the heap barely grows during inference, so collections
     * are rare. Repeated 1,000-example passes of the small ResNet grew the resident size by about 140 MB
     * each, and its sensitivity analysis reached 24 GB and was killed; with a collection after each pass
     * the size stayed at 0.74 GB.
     */
    public static void releaseNativeMemory() {
        System.gc();
    }

    /** Accuracy and mean cross-entropy on a data set. */
    public record Quality(double accuracy, double loss) {
    }

    /**
     * Accuracy and mean cross-entropy of {@code net} on {@code data}: in batches of 1,000 through a
     * {@link SmallBatchForward} where it is faster than DL4J's {@code output} at that size (a perceptron), else through
     * DL4J's, in batches of {@link #evaluationBatch}, on a copy with its batch normalisations folded into their
     * convolutions ({@link BatchNormFolding#forInference}).
     */
    public static Quality quality(Network net, Dataset data) {
        boolean tokens = data.shape() instanceof InputShape.Tokens;
        try (var pass = tokens ? null : smallBatchPass(net, Math.min(EVAL_BATCH, data.size()))) {
            if (pass != null) {
                return qualityOf(pass::probabilities, data, EVAL_BATCH);
            }
        }
        return quality(net, data, dl4jBatch(net, data));
    }

    /** The batch {@link #quality(Network, Dataset)} hands DL4J: {@link #evaluationBatch}, or 1,000 for text or no data. */
    static int dl4jBatch(Network net, Dataset data) {
        return data.shape() instanceof InputShape.Tokens || data.size() == 0 ? EVAL_BATCH : evaluationBatch(net, data);
    }

    /**
     * The same through DL4J's {@code output}, on a copy with its batch normalisations folded, {@code batch} examples at a
     * time (a language model's batches hold as many sequences as fit {@value #EVAL_TOKENS} tokens instead).
     */
    public static Quality quality(Network net, Dataset data, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("an evaluation batch holds at least 1 example, not " + batch);
        }
        return qualityOf(rows(BatchNormFolding.forInference(net)::output), data, batch);
    }

    /**
     * How many examples one evaluation batch of {@code net} through DL4J holds: 1,000, or fewer where the largest
     * output of a layer or graph vertex (a concatenation, say) for that many would pass {@link #BATCH_BYTES}, as read
     * from the outputs for the first example of {@code data}.
     */
    public static int evaluationBatch(Network net, Dataset data) {
        return evaluationBatch(net, data.features().get(NDArrayIndex.interval(0, 1), NDArrayIndex.all()));
    }

    /** The same, read from the layer outputs for {@code oneExample}, a row of features. */
    public static int evaluationBatch(Network net, INDArray oneExample) {
        long largest = net.vertexOutputs(oneExample).stream().filter(Objects::nonNull)
                .mapToLong(out -> out.length() * out.dataType().width()).max().orElse(1);
        return (int) Math.max(1, Math.min(EVAL_BATCH, BATCH_BYTES / Math.max(1, largest)));
    }


    /**
     * Accuracy and mean cross-entropy of any forward pass from feature rows to class scores (an ONNX model in
     * onnxruntime, say), in batches of 1,000. The loss reads the scores as probabilities; for logits only the
     * accuracy means something.
     */
    public static Quality quality(UnaryOperator<INDArray> forward, Dataset data) {
        return qualityOf(rows(forward), data, EVAL_BATCH);
    }

    private static Function<INDArray, float[]> rows(UnaryOperator<INDArray> forward) {
        return x -> {
            INDArray out = forward.apply(x);
            // one copy out of native memory, then plain loops: per-element reads cost more than the forward pass
            return (out.ordering() == 'c' && !out.isView() ? out : out.dup('c')).data().asFloat();
        };
    }

    /**
     * The same, from a forward pass that hands over its outputs as Java floats, row after row, {@code examples} at a
     * time (a language model's batches hold as many sequences as fit {@value #EVAL_TOKENS} tokens instead).
     */
    private static Quality qualityOf(Function<INDArray, float[]> forward, Dataset data, int examples) {
        // a classifier's output has a row per example, its label the class; a language model's a row per token of
        // each sequence, its label the next token
        int rowsPerExample = data.shape() instanceof InputShape.Tokens tokens ? tokens.context() : 1;
        int[] labels = rowsPerExample == 1 ? data.classes() : nextTokens(data);
        int batch = rowsPerExample == 1 ? examples : Math.max(1, EVAL_TOKENS / rowsPerExample);
        long correct = 0;
        double lossSum = 0;
        int n = data.size();
        for (int from = 0; from < n; from += batch) {
            Interrupts.check("between batches");
            int to = Math.min(from + batch, n);
            INDArray x = data.features().get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
            float[] probabilities = forward.apply(x);
            int outputs = probabilities.length / ((to - from) * rowsPerExample);
            for (int r = 0; r < (to - from) * rowsPerExample; r++) {
                int row = r * outputs;
                int label = labels[from * rowsPerExample + r];
                int predicted = 0;
                for (int k = 1; k < outputs; k++) {
                    if (probabilities[row + k] > probabilities[row + predicted]) {
                        predicted = k;
                    }
                }
                if (predicted == label) {
                    correct++;
                }
                lossSum -= Math.log(Math.max(probabilities[row + label], PROBABILITY_FLOOR));
            }
        }
        long rows = (long) n * rowsPerExample;
        return new Quality((double) correct / rows, lossSum / rows);
    }

    /** Tokens per batch of a language model's evaluation: its output holds a row of the vocabulary per token. */
    private static final int EVAL_TOKENS = 32_768;

    /** The next token of every position of every sequence, in row order. */
    private static int[] nextTokens(Dataset data) {
        float[] next = data.labels().data().asFloat();
        int[] labels = new int[next.length];
        for (int i = 0; i < next.length; i++) {
            labels[i] = (int) next[i];
        }
        return labels;
    }

    /** Counts params, zeros and FLOPs; conv output sizes come from one forward pass of one example. */
    public ModelCensus census(MultiLayerNetwork net, Dataset sample) {
        return census(Network.of(net), sample);
    }

    public ModelCensus census(Network net, Dataset sample) {
        return census(net, sample.features().get(NDArrayIndex.interval(0, 1), NDArrayIndex.all()));
    }

    /** The census, with conv output sizes from a forward pass of {@code example} (one row). */
    public ModelCensus census(MultiLayerNetwork net, INDArray example) {
        return census(Network.of(net), example);
    }

    public ModelCensus census(Network net, INDArray example) {
        return census(net, example, Map.of());
    }

    /**
     * The census, with sparsity counted against {@code denseWeights}: a weight that physical removal took
     * away counts as a zero of the original tensor.
     */
    public ModelCensus census(Network net, INDArray example, Map<ParamRef, Long> denseWeights) {
        long params = net.numParams();
        long zeroParams = zeros(net.params());
        var outputs = net.layerOutputs(example);
        long weights = 0;
        long zeroWeights = 0;
        long flops = 0;
        long effective = 0;
        var layerSparsity = new TreeMap<ParamRef, Double>();
        for (var param : NetworkLayout.prunable(net)) {
            var layer = net.layer(param.weights().layer());
            INDArray w = layer.getParam("W");
            long size = w.length();
            long zeros = zeros(w);
            long original = denseWeights.getOrDefault(param.weights(), size);
            long gone = zeros + original - size;
            weights += original;
            zeroWeights += gone;
            layerSparsity.put(param.weights(), (double) gone / original);
            long[] out = outputs.get(param.weights().layer()).shape();
            long positions = param.positions(out, example.size(0));
            flops += param.flops(positions);
            long liveBias = param.hasBias() ? layer.getParam("b").length() - zeros(layer.getParam("b")) : 0;
            effective += 2 * (size - zeros) * positions + liveBias * positions;
        }
        for (int i = 0; i < net.layerCount(); i++) {
            long unpruned = NetworkLayout.unprunedFlops(net.layer(i), outputs.get(i).shape(), example.size(0));
            flops += unpruned;
            effective += unpruned;
        }
        // attention's own products run whatever the weights, like a depthwise convolution's
        long attention = NetworkLayout.attentionFlops(net).values().stream().mapToLong(Long::longValue).sum();
        flops += attention;
        effective += attention;
        return new ModelCensus(params, params - zeroParams, weights, zeroWeights, layerSparsity, flops, effective);
    }

    /** Median wall time of a forward pass, after warm-up passes. */
    double latencyMs(Network net, Dataset test, int batchSize, int warmup, int repeats) {
        int batch = Math.min(batchSize, test.size());
        return latencyMs(net, test.features().get(NDArrayIndex.interval(0, batch), NDArrayIndex.all()).dup(), warmup, repeats);
    }

    /**
     * Median wall time in ms of one forward pass of {@code x} over {@code repeats} passes, after {@code warmup} passes:
     * {@link SmallBatchForward} where it is the faster ({@link SmallBatchForward#worthFor}: a multilayer perceptron at
     * any batch, other networks at a few examples, as a model serving single requests would run), and DL4J's
     * {@code output} otherwise, on a copy with its batch normalisations folded
     * ({@link BatchNormFolding#forInference}), made before the timing starts.
     */
    public static double latencyMs(Network net, INDArray x, int warmup, int repeats) {
        var small = smallBatchPass(net, x.size(0));
        try {
            Network answering = small != null ? null : BatchNormFolding.forInference(net);
            Runnable pass = small != null ? () -> small.output(x) : () -> answering.output(x);
            // convolutions run other code than dense layers, which a perceptron timed earlier leaves uncompiled
            String path = small == null ? "dl4j " : small.convolutional() ? "small-batch convolutional " : "small-batch ";
            if (warmedPaths.add(path + x.size(0))) {
                // the first timing at a batch size in a JVM would otherwise include the JIT compiling the inference
                // path, which training no longer warms up (DenseTrainingLoop): x2 to x3 for the quick start's dense model
                long until = System.nanoTime() + FIRST_WARMUP_NANOS;
                while (System.nanoTime() < until) {
                    pass.run();
                }
            }
            return medianMs(pass, warmup, repeats);
        } finally {
            if (small != null) {
                small.close(); // its native copy of the weights goes now, not when the collector runs
            }
        }
    }

    /** The pass that answers {@code batch} examples of {@code net} in place of DL4J's output, or null for DL4J's. */
    static SmallBatchForward smallBatchPass(Network net, long batch) {
        // told from the layers, before a pass copies any weight: with convolutions, or with layers other than dense
        // ones (which the pass answers at any batch only as a chain), DL4J answers more than a few examples
        boolean convolutional = IntStream.range(0, net.layerCount()).anyMatch(i -> net.layer(i).conf().getLayer() instanceof ConvolutionLayer);
        boolean denseOnly = IntStream.range(0, net.layerCount()).allMatch(i -> net.layer(i).conf().getLayer().getClass() == DenseLayer.class
                || net.layer(i).conf().getLayer().getClass() == OutputLayer.class);
        if (convolutional && batch > SMALL_CONVOLUTIONAL_BATCH || !denseOnly && batch > SMALL_BATCH) {
            return null;
        }
        var pass = SmallBatchForward.of(net);
        if (pass != null && !pass.worthFor(batch)) {
            pass.close();
            return null;
        }
        return pass;
    }

    /** Median wall time in ms of {@code pass} over {@code repeats} runs, after {@code warmup} untimed runs. */
    public static double medianMs(Runnable pass, int warmup, int repeats) {
        for (int i = 0; i < warmup; i++) {
            pass.run();
        }
        double[] times = new double[repeats];
        for (int i = 0; i < times.length; i++) {
            long start = System.nanoTime();
            pass.run();
            times[i] = (System.nanoTime() - start) / 1e6;
        }
        return median(times);
    }

    /** The median of {@code values} (the mean of the middle two for an even count); the array is left as it was. */
    public static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    static long zeros(INDArray a) {
        return Nd4j.getExecutioner().exec(new CountZero(a)).getLong(0);
    }
}
