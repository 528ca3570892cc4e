package dev.secateur.evaluate;

import dev.secateur.evaluate.SmallBatchPlanner.Node;
import dev.secateur.evaluate.SmallBatchSteps.Shape;
import dev.secateur.evaluate.SmallBatchSteps.Step;
import dev.secateur.model.Network;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The forward pass of a network for a few examples at a time, over a copy of the weights taken when it is made. At
 * batch 1 DL4J's {@code output} spends most of its time on per-call bookkeeping (workspaces, op validation, one native
 * call per operation), not on the arithmetic (docs/results/speed.md); this pass does only the arithmetic
 * ({@link SmallBatchSteps}, {@link SmallBatchConvolution}), planned from the network by {@link SmallBatchPlanner}: one
 * OpenBLAS call per dense or convolution layer, the rest in Java. It covers the built-in networks and any network,
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
    private final Shape input;
    private final int classes;
    private final boolean convolutional;
    private final int outputSlot;
    private volatile boolean closed;

    private SmallBatchForward(SmallBatchPlanner.Plan plan) {
        this.nodes = plan.nodes();
        this.input = plan.input();
        this.classes = plan.classes();
        this.convolutional = plan.convolutional();
        this.outputSlot = plan.outputSlot();
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
     * Frees the native copies of the weights and the working memory at once, rather than when the collector gets to
     * them; call it when no {@link #output} is running. The pass answers nothing after.
     */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            nodes.forEach(node -> node.step().release());
        }
    }

    /** The outputs (class probabilities) for the rows of {@code x}, {@code [batch, classes]}. */
    public INDArray output(INDArray x) {
        if (closed) {
            throw new IllegalStateException("this small-batch pass was closed; make a new one with SmallBatchForward.of");
        }
        int batch = (int) x.size(0);
        int features = input.size();
        long perExample = x.length() / Math.max(batch, 1);
        if (x.rank() < 2 || perExample != features || x.rank() == 2 && x.size(1) != features) {
            throw new IllegalArgumentException("inputs of shape " + Arrays.toString(x.shape()) + ", expected [batch, " + features + "]"
                    + (input.height() > 1 ? " or [batch, " + input.channels() + ", " + input.height() + ", " + input.width() + "]" : ""));
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
        return Nd4j.create(out, new long[]{batch, classes}, 'c');
    }
}
