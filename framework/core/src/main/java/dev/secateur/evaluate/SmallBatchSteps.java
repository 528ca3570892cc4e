package dev.secateur.evaluate;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The operations of {@link SmallBatchForward}, each over a few examples at once. An example's activations are one
 * array per channel plane ({@code [example][channel][y·width + x]}); a row of features is one plane of one value per
 * feature. Each loop then runs over an array from its start, which Java 17's compiler vectorises, where it does not
 * vectorise the same loop at an offset into one long array. A dense layer after a convolution reads the planes one
 * after another, as DL4J flattens an NCHW image. Every step is immutable, and allocates what it writes, so one pass
 * may serve several threads; no step changes what it reads, so a reshape hands on the arrays it was given.
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
            switch (this) {
                case IDENTITY -> {
                }
                case RELU -> {
                    for (int j = 0; j < y.length; j++) {
                        y[j] = y[j] > 0f ? y[j] : 0f; // Java 17's float Math.max is a branchy call, not an instruction
                    }
                }
                case SOFTMAX -> softmax(y);
            }
        }
    }

    /** One step: the activations it writes for each example ({@code [example][channel][plane]}), from those it reads. */
    sealed interface Step permits Dense, Convolution, ChannelAffine, Pooling, GlobalPooling, Sum, Activate, Reshape {

        float[][][] apply(float[][][]... inputs);

        /** Frees the native memory the step holds, at once rather than when the collector gets to it. */
        default void release() {
        }
    }

    /**
     * One call's working memory, kept for the next call of the same size: a call takes it, or makes its own when
     * another call holds it (two threads at once), and hands it back. Freed with the step, not left in threads.
     */
    private static final class ScratchSlot<S extends AutoCloseable> {
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

    /** {@code row} cut into {@code shape}'s channel planes. */
    static float[][] planes(float[] row, Shape shape) {
        if (shape.channels() == 1) {
            return new float[][]{row};
        }
        float[][] planes = new float[shape.channels()][];
        for (int c = 0; c < planes.length; c++) {
            planes[c] = Arrays.copyOfRange(row, c * shape.plane(), (c + 1) * shape.plane());
        }
        return planes;
    }

    /**
     * A dense layer: {@code y = x · W + b}, then its activation, in one OpenBLAS call for all the examples (a
     * matrix-vector product for one), with the weights {@code [inputs, outputs]} (DL4J's layout) copied to native
     * memory when the step is made.
     */
    static final class Dense implements Step {
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
        Dense(float[] weights, int inputs, int outputs, float[] bias, Activation activation) {
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
            scratch.give(work);
            return y;
        }

        @Override
        public void release() {
            scratch.release();
            weights.close();
        }
    }

    /** How many gathered input values a block of taps holds: 16 KB, a third of a first-level data cache. */
    private static final int TAP_BLOCK_FLOATS = 4096;
    /**
     * By default, below this share of weights kept a convolution sums only its kept weights in Java; above it, OpenBLAS
     * multiplies the whole weight matrix. {@code scripts/bench/run.sh smallbatch} times both ways on LeNet-5 pruned
     * to each share (docs/results/speed.md).
     */
    static final double SPARSE_BELOW = 0.25;

    /**
     * A 2-D convolution as a product of its weights and the input's patches ({@code im2col}): the patches of every
     * example are laid side by side, one row per kernel tap, {@code batch × outHeight × outWidth} long. A tap is
     * {@code (inChannel, ky, kx)} in DL4J's weight order, and a tap that no output channel uses is never gathered.
     *
     * <p>With most weights kept, OpenBLAS (the one ND4J loads) multiplies the weight matrix by the patches in one call.
     * With few kept, as after unstructured pruning, each output channel sums only its kept taps' rows in Java, four at
     * a time, so that a pruned kernel costs what it keeps.
     */
    static final class Convolution implements Step {
        private final Shape in;
        private final Shape out;
        private final int kernelHeight;
        private final int kernelWidth;
        private final int strideY;
        private final int strideX;
        private final int dilationY;
        private final int dilationX;
        private final int padTop;
        private final int padLeft;
        /** The taps any output channel uses, in order; row {@code u} of the patches is tap {@code used[u]}. */
        private final int[] used;
        private final float[] bias;
        private final Activation activation;
        /** Dense: the weights of the used taps, {@code [outChannels, used]} row-major, in native memory; null when sparse. */
        private final FloatPointer weights;
        /** Sparse: per output channel, the patch rows of its kept taps and their weights; null when dense. */
        private final int[][] rows;
        private final float[][] values;
        /** The patches and products, kept for the next call of the same batch size (see {@link #apply}). */
        private final ScratchSlot<Scratch> scratch = new ScratchSlot<>();

        /**
         * Sparse: the patch rows. Dense: the patches and products in native memory, with buffers over them that the
         * gather writes into and the planes are read from, so no array is copied whole on its way to OpenBLAS and back.
         */
        private record Scratch(int length, float[][] patchRows, FloatPointer nativePatches, FloatPointer nativeProducts,
                               FloatBuffer patches, FloatBuffer products) implements AutoCloseable {

            @Override
            public void close() {
                if (nativePatches != null) {
                    nativePatches.close();
                    nativeProducts.close();
                }
            }


            static Scratch dense(int length, int rows, int channels) {
                var patches = new FloatPointer((long) rows * length);
                var products = new FloatPointer((long) channels * length);
                patches.zero(); // the padding's positions are never written
                return new Scratch(length, null, patches, products, patches.asBuffer(), products.asBuffer());
            }
        }

        /** The share of {@code weights} that are not zero. */
        static double keptShare(float[] weights) {
            long kept = 0;
            for (float w : weights) {
                kept += w != 0f ? 1 : 0;
            }
            return weights.length == 0 ? 1 : (double) kept / weights.length;
        }

        /**
         * From DL4J's weights {@code [outChannels, inChannels, kernelHeight, kernelWidth]} in row-major order, with the
         * sums in Java over the kept weights ({@code sparse}) or in OpenBLAS over all of them.
         */
        Convolution(Shape in, Shape out, int[] kernel, int[] stride, int[] dilation, int[] padding, float[] weights, float[] bias,
                    Activation activation, boolean sparse) {
            this.in = in;
            this.out = out;
            this.kernelHeight = kernel[0];
            this.kernelWidth = kernel[1];
            this.strideY = stride[0];
            this.strideX = stride[1];
            this.dilationY = dilation[0];
            this.dilationX = dilation[1];
            this.padTop = padding[0];
            this.padLeft = padding[1];
            this.bias = bias;
            this.activation = activation;
            int tapCount = in.channels() * kernelHeight * kernelWidth;
            int[] rowOf = new int[tapCount];
            int usedCount = 0;
            for (int t = 0; t < tapCount; t++) {
                boolean any = false;
                for (int co = 0; co < out.channels() && !any; co++) {
                    any = weights[co * tapCount + t] != 0f;
                }
                rowOf[t] = any ? usedCount++ : -1;
            }
            this.used = new int[usedCount];
            for (int t = 0; t < tapCount; t++) {
                if (rowOf[t] >= 0) {
                    used[rowOf[t]] = t;
                }
            }
            if (sparse) {
                this.weights = null;
                this.rows = new int[out.channels()][];
                this.values = new float[out.channels()][];
                for (int co = 0; co < out.channels(); co++) {
                    int[] r = new int[usedCount];
                    float[] v = new float[usedCount];
                    int k = 0;
                    for (int u = 0; u < usedCount; u++) {
                        float w = weights[co * tapCount + used[u]];
                        if (w != 0f) {
                            r[k] = u;
                            v[k++] = w;
                        }
                    }
                    rows[co] = Arrays.copyOf(r, k);
                    values[co] = Arrays.copyOf(v, k);
                }
            } else {
                float[] matrix = new float[out.channels() * usedCount];
                for (int co = 0; co < out.channels(); co++) {
                    for (int u = 0; u < usedCount; u++) {
                        matrix[co * usedCount + u] = weights[co * tapCount + used[u]];
                    }
                }
                this.weights = new FloatPointer(matrix);
                this.rows = null;
                this.values = null;
            }
        }

        @Override
        public void release() {
            scratch.release();
            if (weights != null) {
                weights.close();
            }
        }

        /** True when it sums kept weights in Java rather than multiplying the whole matrix. */
        boolean sparse() {
            return weights == null;
        }

        @Override
        public float[][][] apply(float[][][]... inputs) {
            float[][][] x = inputs[0];
            int plane = out.plane();
            int length = x.length * plane;
            // fresh arrays would be zeroed and missed in the cache on every call; a position in the padding is never
            // written, so stays zero from one call to the next of the same batch size
            Scratch work = scratch.take(s -> s.length() == length, () -> sparse()
                    ? new Scratch(length, new float[used.length][length], null, null, null, null)
                    : Scratch.dense(length, Math.max(used.length, 1), out.channels()));
            for (int u = 0; u < used.length; u++) {
                if (sparse()) {
                    gather(x, used[u], plane, FloatBuffer.wrap(work.patchRows()[u]), 0);
                } else {
                    gather(x, used[u], plane, work.patches(), u * length);
                }
            }
            float[][] sums = sparse() ? sparseProducts(work.patchRows(), length) : denseProducts(work, length);
            scratch.give(work);
            float[][][] y = new float[x.length][out.channels()][];
            for (int co = 0; co < out.channels(); co++) {
                activation.applyTo(sums[co]);
                if (x.length == 1) {
                    y[0][co] = sums[co];
                } else {
                    for (int row = 0; row < x.length; row++) {
                        y[row][co] = Arrays.copyOfRange(sums[co], row * plane, (row + 1) * plane);
                    }
                }
            }
            return y;
        }

        /** Each output channel's sums, bias included: the weight matrix times the patches, in OpenBLAS. */
        private float[][] denseProducts(Scratch work, int length) {
            int channels = out.channels();
            if (used.length > 0) {
                openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, openblas_nolapack.CblasNoTrans,
                        channels, length, used.length, 1f, weights, used.length, work.nativePatches(), length, 0f, work.nativeProducts(), length);
            }
            float[][] sums = new float[channels][];
            for (int co = 0; co < channels; co++) {
                float[] sum = new float[length];
                if (used.length > 0) {
                    work.products().get(co * length, sum, 0, length);
                }
                float b = bias[co];
                for (int q = 0; q < sum.length; q++) {
                    sum[q] += b;
                }
                sums[co] = sum;
            }
            return sums;
        }

        /** Each output channel's sums, bias included, over its kept weights only, a block of taps at a time. */
        private float[][] sparseProducts(float[][] patches, int length) {
            float[][] sums = new float[out.channels()][length];
            for (int co = 0; co < out.channels(); co++) {
                Arrays.fill(sums[co], bias[co]);
            }
            // a block of taps at a time, so that its patches stay in the first-level cache while every output channel
            // sums them: each row is a few hundred bytes, too short for the hardware to prefetch
            int block = Math.max(8, TAP_BLOCK_FLOATS / length / 8 * 8);
            int[] next = new int[out.channels()];
            boolean more = true;
            for (int end = block; more; end += block) {
                more = false;
                for (int co = 0; co < out.channels(); co++) {
                    int from = next[co];
                    int to = from;
                    while (to < rows[co].length && rows[co][to] < end) {
                        to++;
                    }
                    accumulate(sums[co], rows[co], values[co], patches, from, to);
                    next[co] = to;
                    more |= to < rows[co].length;
                }
            }
            return sums;
        }

        /** Tap {@code t}'s input value under every output position of every example, into {@code col} from {@code at}, leaving the padding. */
        private void gather(float[][][] x, int t, int plane, FloatBuffer col, int at) {
            int kx = t % kernelWidth;
            int ky = (t / kernelWidth) % kernelHeight;
            int channel = t / (kernelWidth * kernelHeight);
            int offsetX = kx * dilationX - padLeft;
            // the output columns whose input column lies inside the image
            int firstX = Math.max(0, ceilDiv(-offsetX, strideX));
            int endX = Math.min(out.width(), ceilDiv(in.width() - offsetX, strideX));
            if (firstX >= endX) {
                return;
            }
            for (int row = 0; row < x.length; row++) {
                float[] image = x[row][channel];
                for (int oy = 0; oy < out.height(); oy++) {
                    int iy = oy * strideY + ky * dilationY - padTop;
                    if (iy < 0 || iy >= in.height()) {
                        continue;
                    }
                    int from = iy * in.width() + firstX * strideX + offsetX;
                    int to = at + row * plane + oy * out.width() + firstX;
                    if (strideX == 1) {
                        col.put(to, image, from, endX - firstX);
                    } else {
                        for (int ox = firstX; ox < endX; ox++, from += strideX) {
                            col.put(to++, image[from]);
                        }
                    }
                }
            }
        }

        private static int ceilDiv(int a, int b) {
            return -Math.floorDiv(-a, b);
        }

        /**
         * {@code sum += Σ values[k] · patches[rows[k]]} over {@code from <= k < to}, four taps per pass over {@code sum},
         * then one. Four, not eight: Java 17's compiler stops vectorising the loop when its body grows to eight products.
         */
        private static void accumulate(float[] sum, int[] rows, float[] values, float[][] patches, int from, int to) {
            int n = sum.length;
            int k = from;
            for (; k + 4 <= to; k += 4) {
                float w0 = values[k], w1 = values[k + 1], w2 = values[k + 2], w3 = values[k + 3];
                float[] c0 = patches[rows[k]], c1 = patches[rows[k + 1]], c2 = patches[rows[k + 2]], c3 = patches[rows[k + 3]];
                for (int q = 0; q < n; q++) {
                    sum[q] += w0 * c0[q] + w1 * c1[q] + w2 * c2[q] + w3 * c3[q];
                }
            }
            for (; k < to; k++) {
                float w = values[k];
                float[] c = patches[rows[k]];
                for (int q = 0; q < n; q++) {
                    sum[q] += w * c[q];
                }
            }
        }
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
                y[row] = x[row].length == to.channels() ? x[row] : planes(flat(x[row]), to);
            }
            return y;
        }
    }

    /** {@code y} replaced by its softmax. */
    static void softmax(float[] y) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : y) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int j = 0; j < y.length; j++) {
            y[j] = (float) Math.exp(y[j] - max);
            sum += y[j];
        }
        for (int j = 0; j < y.length; j++) {
            y[j] = (float) (y[j] / sum);
        }
    }
}
