package dev.secateur.evaluate;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The operations of {@link SmallBatchForward} in plain Java, each over a few examples at once, and what every step
 * shares; the two that call OpenBLAS are {@link SmallBatchDense} and {@link SmallBatchConvolution}. An example's activations are one
 * array per channel plane ({@code [example][channel][y·width + x]}); a row of features is one plane of one value per
 * feature. Each loop then runs over an array from its start, which Java 17's compiler vectorises, where it does not
 * vectorise the same loop at an offset into one long array. A dense layer after a convolution reads the planes one
 * after another, as DL4J flattens an NCHW image. A step's weights do not change after it is made, and it allocates
 * what it writes (its working memory is taken per call from a {@link ScratchSlot}), so one pass may serve several
 * threads; no step changes what it reads, so a reshape hands on the arrays it was given.
 */
final class SmallBatchSteps {

    private SmallBatchSteps() {
    }

    /**
     * An example's shape: {@code channels} planes of {@code height × width}, or a row of {@code width} features (one
     * plane, {@code [1, 1, n]}), which {@code row} tells apart from a one-channel image of height 1.
     */
    record Shape(int channels, int height, int width, boolean row) {

        Shape(int channels, int height, int width) {
            this(channels, height, width, false);
        }

        static Shape row(int features) {
            return new Shape(1, 1, features, true);
        }

        int plane() {
            return height * width;
        }

        int size() {
            return channels * height * width;
        }
    }

    /** What follows a layer's sum: nothing, plain ReLU, or (on the output only) softmax. */
    enum Activation {
        IDENTITY, RELU, SOFTMAX;

        void applyTo(float[] y) {
            applyTo(y, 0, y.length);
        }

        /** To {@code y[from]} to {@code y[to - 1]}, one example's outputs among others'. */
        void applyTo(float[] y, int from, int to) {
            switch (this) {
                case IDENTITY -> {
                }
                case RELU -> {
                    for (int j = from; j < to; j++) {
                        y[j] = Math.max(y[j], 0f); // C2 vectorises it; "y[j] > 0f ? y[j] : 0f" ran 16x slower on random signs
                    }
                }
                case SOFTMAX -> softmax(y, from, to);
            }
        }
    }

    /** One step: the activations it writes for each example ({@code [example][channel][plane]}), from those it reads. */
    sealed interface Step permits SmallBatchDense, SmallBatchConvolution, ChannelAffine, Pooling, GlobalPooling, Sum, Activate, Reshape {

        float[][][] apply(float[][][]... inputs);

        /** Frees the native memory the step holds, at once rather than when the collector gets to it. */
        default void release() {
        }
    }

    /**
     * One call's working memory, kept for the next call of the same size: a call takes it, or makes its own when
     * another call holds it (two threads at once), and hands it back. Freed with the step, not left in threads.
     */
    static final class ScratchSlot<S extends AutoCloseable> {
        private final AtomicReference<S> kept = new AtomicReference<>();
        private volatile boolean released;

        /** The kept scratch if it fits, else a new one from {@code make}. */
        S take(Predicate<S> fits, Supplier<S> make) {
            S scratch = kept.getAndSet(null);
            if (scratch != null && fits.test(scratch)) {
                return scratch;
            }
            close(scratch);
            return make.get();
        }

        void give(S scratch) {
            if (released || !kept.compareAndSet(null, scratch)) {
                close(scratch);
            }
        }

        void release() {
            released = true;
            close(kept.getAndSet(null));
        }

        private static void close(AutoCloseable scratch) {
            if (scratch != null) {
                try {
                    scratch.close();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot free a small-batch pass's memory", e);
                }
            }
        }
    }

    /** An example's planes one after another: a dense layer's input. */
    static float[] flat(float[][] planes) {
        if (planes.length == 1) {
            return planes[0];
        }
        int size = 0;
        for (float[] plane : planes) {
            size += plane.length;
        }
        float[] row = new float[size];
        int at = 0;
        for (float[] plane : planes) {
            System.arraycopy(plane, 0, row, at, plane.length);
            at += plane.length;
        }
        return row;
    }

    /** The example at {@code from} in {@code flat}, cut into {@code shape}'s channel planes. */
    static float[][] planes(float[] flat, int from, Shape shape) {
        float[][] planes = new float[shape.channels()][];
        for (int c = 0; c < planes.length; c++) {
            int start = from + c * shape.plane();
            planes[c] = Arrays.copyOfRange(flat, start, start + shape.plane());
        }
        return planes;
    }

    /**
     * {@code y = x · scale[c] + shift[c]} on each channel's plane, then an activation: batch normalisation at inference.
     * On a row of features, each feature is a channel.
     */
    record ChannelAffine(float[] scale, float[] shift, Activation activation) implements Step {

        @Override
        public float[][][] apply(float[][][]... inputs) {
            float[][][] x = inputs[0];
            float[][][] y = new float[x.length][][];
            for (int row = 0; row < x.length; row++) {
                if (x[row].length == 1 && scale.length > 1) {
                    float[] out = new float[scale.length];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = x[row][0][i] * scale[i] + shift[i];
                    }
                    activation.applyTo(out);
                    y[row] = new float[][]{out};
                    continue;
                }
                y[row] = new float[scale.length][];
                for (int c = 0; c < scale.length; c++) {
                    float[] in = x[row][c];
                    float[] out = new float[in.length];
                    float a = scale[c];
                    float b = shift[c];
                    for (int i = 0; i < in.length; i++) {
                        out[i] = in[i] * a + b;
                    }
                    activation.applyTo(out);
                    y[row][c] = out;
                }
            }
            return y;
        }
    }

    /** Max or average pooling over windows that lie inside the image (DL4J's truncate mode, no padding). */
    record Pooling(Shape in, Shape out, boolean max, int kernelHeight, int kernelWidth, int strideY, int strideX) implements Step {

        @Override
        public float[][][] apply(float[][][]... inputs) {
            float[][][] x = inputs[0];
            float[][][] y = new float[x.length][out.channels()][];
            float window = kernelHeight * kernelWidth;
            for (int row = 0; row < x.length; row++) {
                for (int c = 0; c < out.channels(); c++) {
                    float[] image = x[row][c];
                    float[] pooled = new float[out.plane()];
                    for (int oy = 0; oy < out.height(); oy++) {
                        int o = oy * out.width();
                        // the window's rows one after another into the output row, a comparison where Math.max would
                        // be a call (Java 17)
                        for (int ky = 0; ky < kernelHeight; ky++) {
                            int base = (oy * strideY + ky) * in.width();
                            for (int kx = 0; kx < kernelWidth; kx++) {
                                boolean first = ky == 0 && kx == 0;
                                for (int ox = 0, i = base + kx; ox < out.width(); ox++, i += strideX) {
                                    float v = image[i];
                                    float acc = pooled[o + ox];
                                    pooled[o + ox] = first ? v : max ? (v > acc ? v : acc) : acc + v;
                                }
                            }
                        }
                        if (!max) {
                            for (int ox = 0; ox < out.width(); ox++) {
                                pooled[o + ox] /= window;
                            }
                        }
                    }
                    y[row][c] = pooled;
                }
            }
            return y;
        }
    }

    /** Each channel's plane reduced to one value, its mean or maximum: a row of one feature per channel. */
    record GlobalPooling(boolean max) implements Step {

        @Override
        public float[][][] apply(float[][][]... inputs) {
            float[][][] x = inputs[0];
            float[][][] y = new float[x.length][1][];
            for (int row = 0; row < x.length; row++) {
                float[] pooled = new float[x[row].length];
                for (int c = 0; c < pooled.length; c++) {
                    float[] plane = x[row][c];
                    float acc = max ? Float.NEGATIVE_INFINITY : 0f;
                    for (float v : plane) {
                        acc = max ? (v > acc ? v : acc) : acc + v;
                    }
                    pooled[c] = max ? acc : acc / plane.length;
                }
                y[row][0] = pooled;
            }
            return y;
        }
    }

    /** What a step does to one plane: the plane it writes for example {@code row}, channel {@code c}. */
    private interface PlaneMap {
        float[] apply(int row, int c, float[] plane);
    }

    /** A new plane for every plane of every example in {@code x}. */
    private static float[][][] eachPlane(float[][][] x, PlaneMap map) {
        float[][][] y = new float[x.length][][];
        for (int row = 0; row < y.length; row++) {
            y[row] = new float[x[row].length][];
            for (int c = 0; c < y[row].length; c++) {
                y[row][c] = map.apply(row, c, x[row][c]);
            }
        }
        return y;
    }

    /** The element-wise sum of two or more steps' activations: a residual connection. */
    record Sum() implements Step {

        @Override
        public float[][][] apply(float[][][]... inputs) {
            return eachPlane(inputs[0], (row, c, plane) -> {
                float[] out = plane.clone();
                for (int k = 1; k < inputs.length; k++) {
                    float[] add = inputs[k][row][c];
                    for (int i = 0; i < out.length; i++) {
                        out[i] += add[i];
                    }
                }
                return out;
            });
        }
    }

    /** An activation layer on its own. */
    record Activate(Activation activation) implements Step {

        @Override
        public float[][][] apply(float[][][]... inputs) {
            return eachPlane(inputs[0], (row, c, plane) -> {
                float[] out = plane.clone();
                activation.applyTo(out);
                return out;
            });
        }
    }

    /** DL4J's reshape between an image and a row: the same values, cut into the planes of another shape. */
    record Reshape(Shape to) implements Step {

        @Override
        public float[][][] apply(float[][][]... inputs) {
            float[][][] x = inputs[0];
            float[][][] y = new float[x.length][][];
            for (int row = 0; row < x.length; row++) {
                y[row] = x[row].length == to.channels() ? x[row] : planes(flat(x[row]), 0, to);
            }
            return y;
        }
    }

    /** {@code y} replaced by its softmax. */
    static void softmax(float[] y, int from, int to) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = from; j < to; j++) {
            max = Math.max(max, y[j]);
        }
        double sum = 0;
        for (int j = from; j < to; j++) {
            y[j] = (float) Math.exp(y[j] - max);
            sum += y[j];
        }
        for (int j = from; j < to; j++) {
            y[j] = (float) (y[j] / sum);
        }
    }
}
