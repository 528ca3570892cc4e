package dev.secateur.evaluate;

import dev.secateur.evaluate.SmallBatchSteps.Activation;
import dev.secateur.evaluate.SmallBatchSteps.ScratchSlot;
import dev.secateur.evaluate.SmallBatchSteps.Step;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * A dense layer: {@code y = x · W + b}, then its activation, in one OpenBLAS call for all the examples (a
 * matrix-vector product for one), with the weights {@code [inputs, outputs]} (DL4J's layout) copied to native
 * memory when the step is made.
 */
final class SmallBatchDense implements Step {
    private final int inputs;
    private final int outputs;
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

    /** From weights laid out {@code [inputs, outputs]} in row-major order. */
    SmallBatchDense(float[] weights, int inputs, int outputs, float[] bias, Activation activation) {
        this.inputs = inputs;
        this.outputs = outputs;
        this.weights = new FloatPointer(weights);
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
                openblas_nolapack.cblas_sgemv(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasTrans, inputs, outputs, 1f, weights,
                        outputs, work.x(), 1, 0f, work.y(), 1);
            } else {
                openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, openblas_nolapack.CblasNoTrans,
                        x.length, outputs, inputs, 1f, work.x(), inputs, weights, outputs, 0f, work.y(), outputs);
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

    @Override
    public void release() {
        scratch.release();
        weights.close();
    }
}
