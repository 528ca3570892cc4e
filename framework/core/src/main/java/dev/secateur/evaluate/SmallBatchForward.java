package dev.secateur.evaluate;

import dev.secateur.evaluate.SmallBatchDense.Block;
import dev.secateur.evaluate.SmallBatchPlanner.Node;
import dev.secateur.evaluate.SmallBatchSteps.Step;
import dev.secateur.evaluate.SmallBatchSteps.ScratchSlot;
import dev.secateur.model.Network;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The forward pass of a network for a few examples at a time, or a multilayer perceptron's for any number, over a copy
 * of the weights taken when it is made. At batch 1 DL4J's {@code output} spends most of its time on per-call
 * bookkeeping (workspaces, op validation, one native call per operation), not on the arithmetic, and at batch 1,000
 * a perceptron's spends much of it outside its matrix products (docs/results/speed.md); this pass does only the
 * arithmetic ({@link SmallBatchSteps}, {@link SmallBatchConvolution}), planned by {@link SmallBatchPlanner} from the
 * network with each batch normalisation that follows a convolution folded into it ({@link BatchNormFolding}): one
 * OpenBLAS call per dense or convolution layer (oneDNN's matmul for a perceptron's layers from
 * {@link SmallBatchDense#THROUGH_ONEDNN_FROM} examples), the rest in Java. It covers the built-in networks and any network,
 * sequential or graph, made of the same pieces: dense and 2-D convolution layers with plain
 * ReLU or no activation, batch normalisation, max and average pooling, global pooling, activation layers, residual
 * adds and a softmax output. A convolution that keeps under a quarter of its weights sums only those, in Java, so an
 * unstructured pruned kernel answers faster. It computes what {@code net.output} does, up to the order of float
 * additions: {@code SmallBatchForwardTest} checks it against DL4J's output.
 *
 * <p>It reads the weights once, when made: make a new one after the network changes, and close the old one to free
 * its native memory at once. Anything else (other layers, vertices or activations, weight noise, preprocessors other
 * than DL4J's reshapes between images and rows, doubles, NHWC) has no such pass, and {@link #unsupported} says why.
 */
public final class SmallBatchForward implements AutoCloseable {

    private final List<Node> nodes;
    private final SmallBatchSteps.Shape input;
    private final int classes;
    private final boolean convolutional;
    private final int outputSlot;
    /** A perceptron's dense layers in order, each reading the one before, or null: such a pass runs any batch size. */
    private final List<SmallBatchDense> perceptron;
    /** The perceptron's outputs for one batch size, kept for the next call. */
    private final ScratchSlot<Rows> rows = new ScratchSlot<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The calls running now, plus one while the pass is open: the native memory goes when it falls to 0. */
    private final AtomicInteger holders = new AtomicInteger(1);

    /**
     * Each dense layer's outputs for {@code batch} examples in native memory, and each hidden layer's for one example as
     * Java floats (the last layer writes into the array handed back).
     */
    private record Rows(int batch, Block[] outputs, float[][] row) implements AutoCloseable {

        static Rows of(int batch, List<SmallBatchDense> layers) {
            var outputs = new Block[layers.size()];
            var row = new float[layers.size() - 1][];
            for (int i = 0; i < outputs.length; i++) {
                outputs[i] = Block.zeros(batch, layers.get(i).outputs());
                if (i < row.length) {
                    row[i] = new float[layers.get(i).outputs()];
                }
            }
            return new Rows(batch, outputs, row);
        }

        @Override
        public void close() {
            for (var output : outputs) {
                if (output.array().closeable()) {
                    output.array().close();
                }
            }
        }
    }

    private SmallBatchForward(SmallBatchPlanner.Plan plan) {
        this.nodes = plan.nodes();
        this.input = plan.input();
        this.classes = plan.classes();
        this.convolutional = plan.convolutional();
        this.outputSlot = plan.outputSlot();
        this.perceptron = perceptron(plan);
    }

    private static List<SmallBatchDense> perceptron(SmallBatchPlanner.Plan plan) {
        var nodes = plan.nodes();
        for (int k = 0; k < nodes.size(); k++) {
            if (!(nodes.get(k).step() instanceof SmallBatchDense) || !Arrays.equals(nodes.get(k).reads(), new int[]{k})) {
                return null;
            }
        }
        return plan.outputSlot() == nodes.size() && !nodes.isEmpty() ? nodes.stream().map(node -> (SmallBatchDense) node.step()).toList() : null;
    }

    /** The pass for {@code net}, with its weights as they are now, or null where {@link #unsupported} names a reason. */
    public static SmallBatchForward of(Network net) {
        return of(net, SmallBatchConvolution.SPARSE_BELOW);
    }

    /**
     * The same, summing in Java the convolutions that keep under {@code sparseBelow} of their weights (0: every one in
     * OpenBLAS; above 1: every one in Java), where the default is {@value SmallBatchConvolution#SPARSE_BELOW}: for timing both.
     */
    public static SmallBatchForward of(Network net, double sparseBelow) {
        return plan(BatchNormFolding.forInference(net), sparseBelow);
    }

    /** The pass planned from {@code net} as it is, each normalisation a step of its own: for tests of those steps. */
    static SmallBatchForward unfolded(Network net) {
        return plan(net, SmallBatchConvolution.SPARSE_BELOW);
    }

    private static SmallBatchForward plan(Network net, double sparseBelow) {
        try {
            return new SmallBatchForward(new SmallBatchPlanner(net, sparseBelow).plan());
        } catch (SmallBatchPlanner.Unsupported e) {
            return null;
        } catch (RuntimeException e) {
            // a network this planner misreads answers through DL4J rather than failing a measurement
            return null;
        }
    }

    /** Null when {@link #of} can make a pass for {@code net}; otherwise why it cannot. */
    public static String unsupported(Network net) {
        try {
            // planned as the network is, so a refusal names the layer by its own index, not the folded copy's; a
            // normalisation the planner refuses (one with weight noise) can still be folded away, so of() may answer
            // a network this names a reason for
            new SmallBatchForward(new SmallBatchPlanner(net, SmallBatchConvolution.SPARSE_BELOW).plan()).close();
            return null;
        } catch (SmallBatchPlanner.Unsupported e) {
            return e.getMessage();
        } catch (RuntimeException e) {
            return "it could not be read for the pass: " + e;
        }
    }

    /** The steps in the order they run, for tests. */
    List<Step> steps() {
        return nodes.stream().map(Node::step).toList();
    }

    /** True when the network has a convolution, which sets how many examples this pass is worth using for. */
    public boolean convolutional() {
        return convolutional;
    }

    /**
     * True when this pass answers {@code batch} examples faster than DL4J's {@code output}: a perceptron at any batch
     * size (one matrix product per layer over the whole batch, docs/results/speed.md), other networks at a few examples
     * ({@link Evaluator#SMALL_BATCH}, {@link Evaluator#SMALL_CONVOLUTIONAL_BATCH} with convolutions).
     */
    public boolean worthFor(long batch) {
        return perceptron != null || batch <= (convolutional ? Evaluator.SMALL_CONVOLUTIONAL_BATCH : Evaluator.SMALL_BATCH);
    }

    /**
     * Frees the native copies of the weights and the working memory now, or as the last {@link #output} running on
     * another thread returns, rather than when the collector gets to them. The pass answers nothing after.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            letGo();
        }
    }

    /** True once the native memory is freed: closed, and no call running. */
    boolean freed() {
        return holders.get() == 0;
    }

    /** One holder fewer: the last frees the memory. */
    private void letGo() {
        if (holders.decrementAndGet() == 0) {
            nodes.forEach(node -> node.step().release());
            rows.release();
        }
    }

    /** One holder more, unless the memory is already freed. */
    private boolean hold() {
        for (int n = holders.get(); n > 0; n = holders.get()) {
            if (holders.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    /** The outputs (class probabilities) for the rows of {@code x}, {@code [batch, classes]}. */
    public INDArray output(INDArray x) {
        return Nd4j.create(probabilities(x), new long[]{x.size(0), classes}, 'c');
    }

    /**
     * The same outputs as Java floats, row after row ({@code batch × classes}): what an evaluation reads, without
     * making an ND4J array for them.
     */
    public float[] probabilities(INDArray x) {
        if (closed.get() || !hold()) {
            throw new IllegalStateException("this small-batch pass was closed; make a new one with SmallBatchForward.of");
        }
        try {
            return probabilitiesHeld(x);
        } finally {
            letGo();
        }
    }

    private float[] probabilitiesHeld(INDArray x) {
        int batch = (int) x.size(0);
        int features = input.size();
        long perExample = x.length() / Math.max(batch, 1);
        if (x.rank() < 2 || perExample != features || x.rank() == 2 && x.size(1) != features) {
            throw new IllegalArgumentException("inputs of shape " + Arrays.toString(x.shape()) + ", expected [batch, " + features + "]"
                    + (input.height() > 1 ? " or [batch, " + input.channels() + ", " + input.height() + ", " + input.width() + "]" : ""));
        }
        if (perceptron != null && batch > 1) {
            return perceptronProbabilities(x, batch);
        }
        float[] flat = x.dataType() == DataType.FLOAT && !x.isView() && x.ordering() == 'c' ? x.data().asFloat() : x.castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[][][][] slots = new float[nodes.size() + 1][][][];
        slots[0] = new float[batch][][];
        for (int row = 0; row < batch; row++) {
            slots[0][row] = SmallBatchSteps.planes(flat, row * features, input);
        }
        for (int k = 0; k < nodes.size(); k++) {
            var node = nodes.get(k);
            float[][][][] reads = new float[node.reads().length][][][];
            for (int i = 0; i < reads.length; i++) {
                reads[i] = slots[node.reads()[i]];
            }
            slots[k + 1] = node.step().apply(reads);
        }
        float[] out = new float[batch * classes];
        for (int row = 0; row < batch; row++) {
            System.arraycopy(SmallBatchSteps.flat(slots[outputSlot][row]), 0, out, row * classes, classes);
        }
        return out;
    }

    /**
     * A perceptron's outputs for a batch: each layer one matrix product over every example at once, the first reading
     * {@code x}'s own memory where it holds floats row after row, so the examples are never copied into Java.
     */
    private float[] perceptronProbabilities(INDArray x, int batch) {
        INDArray dense = x.dataType() == DataType.FLOAT && x.ordering() == 'c' && Shape.hasDefaultStridesForShape(x) ? x : x.castTo(DataType.FLOAT).dup('c');
        // images [batch, 1, 28, 28] as the rows [batch, 784] they lie as: oneDNN's matmul multiplies matrices only
        INDArray in = dense.rank() == 2 ? dense : dense.reshape('c', batch, input.size());
        Rows work = rows.take(r -> r.batch() == batch, () -> Rows.of(batch, perceptron));
        try {
            Block from = Block.of(in);
            int last = perceptron.size() - 1;
            for (int k = 0; k < last; k++) {
                perceptron.get(k).rows(k == 0 ? from : work.outputs()[k - 1], batch, work.outputs()[k], work.row()[k]);
            }
            float[] out = new float[batch * classes];
            perceptron.get(last).rowsInto(last == 0 ? from : work.outputs()[last - 1], batch, work.outputs()[last], out);
            return out;
        } finally {
            rows.give(work);
            Reference.reachabilityFence(in); // its memory is read natively above, where the collector cannot see it
        }
    }
}
