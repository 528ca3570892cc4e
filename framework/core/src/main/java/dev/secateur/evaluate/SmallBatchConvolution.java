package dev.secateur.evaluate;

import dev.secateur.evaluate.SmallBatchSteps.Activation;
import dev.secateur.evaluate.SmallBatchSteps.ScratchSlot;
import dev.secateur.evaluate.SmallBatchSteps.Shape;
import dev.secateur.evaluate.SmallBatchSteps.Step;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * A 2-D convolution as a product of its weights and the input's patches ({@code im2col}): the patches of every
 * example are laid side by side, one row per kernel tap, {@code batch × outHeight × outWidth} long. A tap is
 * {@code (inChannel, ky, kx)} in DL4J's weight order, and a tap that no output channel uses is never gathered.
 *
 * <p>With most weights kept, OpenBLAS (the one ND4J loads) multiplies the weight matrix by the patches in one call.
 * With few kept, as after unstructured pruning, each output channel sums only its kept taps' rows in Java, four at
 * a time, so that a pruned kernel costs what it keeps.
 */
final class SmallBatchConvolution implements Step {
    /** How many gathered input values a block of taps holds: 16 KB, a third of a first-level data cache. */
    private static final int TAP_BLOCK_FLOATS = 4096;
    /**
     * By default, below this share of weights kept a convolution sums only its kept weights in Java; above it, OpenBLAS
     * multiplies the whole weight matrix. {@code scripts/bench/run.sh smallbatch} times both ways on LeNet-5 pruned
     * to each share (docs/results/speed.md).
     */
    static final double SPARSE_BELOW = 0.25;

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
    SmallBatchConvolution(Shape in, Shape out, int[] kernel, int[] stride, int[] dilation, int[] padding, float[] weights, float[] bias,
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
        float[][] sums;
        try {
            for (int u = 0; u < used.length; u++) {
                if (sparse()) {
                    gather(x, used[u], plane, FloatBuffer.wrap(work.patchRows()[u]), 0);
                } else {
                    gather(x, used[u], plane, work.patches(), u * length);
                }
            }
            sums = sparse() ? sparseProducts(work.patchRows(), length) : denseProducts(work, length);
        } finally {
            scratch.give(work);
        }
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
