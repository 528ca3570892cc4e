package dev.secateur.evaluate;

import dev.secateur.evaluate.SmallBatchSteps.Activation;
import dev.secateur.evaluate.SmallBatchSteps.ScratchSlot;
import dev.secateur.evaluate.SmallBatchSteps.Step;
import dev.secateur.model.NativeAddress;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A dense layer: {@code y = x · W + b}, then its activation, in one product for all the examples (OpenBLAS's, a
 * matrix-vector product for one; oneDNN's matmul from {@link #THROUGH_ONEDNN_FROM} rows of a perceptron's batch), with
 * the weights copied to native memory when the step is made, as
 * {@code Wᵀ} row after row ({@code [outputs, inputs]}): DL4J's column-major {@code [inputs, outputs]} as it lies,
 * and the layout of PyTorch's {@code nn.Linear}.
 */
final class SmallBatchDense implements Step {
    /**
     * From this many rows, {@link #rows} and {@link #rowsInto} multiply through {@code Nd4j.gemm}, which libnd4j hands
     * to oneDNN's matmul: LeNet-300-100's forward products took 0.59 of OpenBLAS's time at batch 1,000 and 0.83 at 64,
     * and 1.04 times it at 32, on this project's AMD EPYC ({@code scripts/bench/run.sh denseproducts}, docs/results/speed.md).
     */
    static final int THROUGH_ONEDNN_FROM = 64;

    private final int inputs;
    private final int outputs;
    /** The copy of the weights, {@code [inputs, outputs]} column after column, and the address OpenBLAS reads it at. */
    private final INDArray weightColumns;
    private final FloatPointer weights;
    private final float[] bias;
    private final Activation activation;
    /** The native inputs and outputs, kept for the next call of the same batch size. */
    private final ScratchSlot<Scratch> scratch = new ScratchSlot<>();

    private record Scratch(int batch, FloatPointer x, FloatPointer y, FloatBuffer in, FloatBuffer out) implements AutoCloseable {

        static Scratch of(int batch, int inputs, int outputs) {
            var x = new FloatPointer((long) batch * inputs);
            var y = new FloatPointer((long) batch * outputs);
            return new Scratch(batch, x, y, x.asBuffer(), y.asBuffer());
        }

        @Override
        public void close() {
            x.close();
            y.close();
        }
    }

    /**
     * From float weights {@code [inputs, outputs]}, copied natively column after column: {@code [outputs, inputs]}
     * row after row, as DL4J keeps them (column-major), so the copy is one block.
     */
    SmallBatchDense(INDArray weights, float[] bias, Activation activation) {
        this.inputs = (int) weights.size(0);
        this.outputs = (int) weights.size(1);
        // native to native, not through a Java array: a pass is made for every evaluation
        this.weightColumns = weights.castTo(DataType.FLOAT).dup('f');
        this.weights = NativeAddress.firstElement(weightColumns);
        this.bias = bias;
        this.activation = activation;
    }

    @Override
    public float[][][] apply(float[][][]... in) {
        float[][][] x = in[0];
        Scratch work = scratch.take(s -> s.batch() == x.length, () -> Scratch.of(x.length, inputs, outputs));
        try {
            for (int row = 0; row < x.length; row++) {
                int at = row * inputs;
                for (float[] plane : x[row]) {
                    work.in().put(at, plane, 0, plane.length);
                    at += plane.length;
                }
            }
            if (x.length == 1) {
                openblas_nolapack.cblas_sgemv(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, outputs, inputs, 1f, weights,
                        inputs, work.x(), 1, 0f, work.y(), 1);
            } else {
                openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, openblas_nolapack.CblasTrans,
                        x.length, outputs, inputs, 1f, work.x(), inputs, weights, inputs, 0f, work.y(), outputs);
            }
            float[][][] y = new float[x.length][1][];
            for (int row = 0; row < x.length; row++) {
                float[] out = new float[outputs];
                work.out().get(row * outputs, out, 0, outputs);
                for (int j = 0; j < outputs; j++) {
                    out[j] += bias[j];
                }
                activation.applyTo(out);
                y[row][0] = out;
            }
            return y;
        } finally {
            scratch.give(work);
        }
    }

    /**
     * The layer for {@code batch} examples, rows of {@code x}, written to the rows of {@code y} ({@code batch × outputs}
     * floats), then its activation a row at a time through {@code row} ({@code outputs} floats): a hidden layer of a
     * perceptron, whose outputs the next layer's product reads where they lie.
     */
    void rows(Block x, int batch, Block y, float[] row) {
        biasPlusProduct(x, batch, y);
        if (activation == Activation.IDENTITY) {
            return;
        }
        FloatBuffer out = y.floats();
        for (int r = 0, at = 0; r < batch; r++, at += outputs) {
            out.get(at, row, 0, outputs);
            activation.applyTo(row);
            out.put(at, row, 0, outputs);
        }
    }

    /**
     * The same for the last layer, into Java floats: {@code into} receives the {@code batch × outputs} outputs row after
     * row in one copy, and the activation (a softmax) runs there, so they are not written back to native memory first.
     */
    void rowsInto(Block x, int batch, Block y, float[] into) {
        biasPlusProduct(x, batch, y);
        y.floats().get(0, into, 0, batch * outputs);
        for (int at = 0; at < batch * outputs; at += outputs) {
            activation.applyTo(into, at, at + outputs);
        }
    }

    /**
     * {@code x · W + b} for {@code batch} rows, as PyTorch's {@code addmm} makes it: the bias laid down in every row of
     * {@code y} first, then one product adding to it (beta 1; oneDNN's matmul from {@link #THROUGH_ONEDNN_FROM} rows,
     * OpenBLAS's {@code cblas_sgemm} below), so no Java pass reads the products back only to add the bias. The sums
     * are those {@link #apply} makes up to float rounding, since the bias now joins them before the product's last
     * terms ({@code SmallBatchForwardTest}).
     */
    private void biasPlusProduct(Block x, int batch, Block y) {
        FloatBuffer out = y.floats();
        for (int at = 0; at < batch * outputs; at += outputs) {
            out.put(at, bias, 0, outputs);
        }
        if (batch >= THROUGH_ONEDNN_FROM) {
            Nd4j.gemm(x.array(), weightColumns, y.array(), false, false, 1.0, 1.0);
        } else {
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, openblas_nolapack.CblasTrans,
                    batch, outputs, inputs, 1f, x.rows(), inputs, weights, inputs, 1f, y.rows(), outputs);
        }
    }

    /**
     * A float matrix laid out row after row in native memory: the array, the address of its first element, and a
     * buffer over it from that element, or null for a view (an input, which is only read natively): a view's buffer
     * would be indexed from the start of the array it views.
     */
    record Block(INDArray array, FloatPointer rows, FloatBuffer floats) {

        /** Rows of {@code array}, which must be dense floats in row-major order (a view's address is its first element's). */
        static Block of(INDArray array) {
            return new Block(array, NativeAddress.firstElement(array), array.isView() ? null : array.data().asNioFloat());
        }

        static Block zeros(int rows, int columns) {
            return of(Nd4j.create(DataType.FLOAT, new long[]{rows, columns}, 'c'));
        }
    }

    int outputs() {
        return outputs;
    }

    @Override
    public void release() {
        scratch.release();
        if (weightColumns.closeable()) {
            weightColumns.close(); // its native memory goes now, not when the collector gets to it
        }
    }
}
