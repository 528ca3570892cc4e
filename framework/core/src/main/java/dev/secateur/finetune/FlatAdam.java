package dev.secateur.finetune;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * DL4J's update over a network's flat parameters, in place, in DL4J's layout: the summed gradient divided by the
 * batch size, plus the L2 term on weights, then libnd4j's Adam (bias-corrected step size, in float), subtracted
 * from the parameters. The parameters fall into segments (a layer's weights, then its bias), each with its own
 * L2 coefficient; Adam runs through them in chunks of plain arrays, whose loop the JIT vectorises.
 *
 * <p>One departure from DL4J: in a chunk where a subnormal float has appeared, gradients and first moments under
 * {@link #FLUSH_BELOW} count as zero, and second moments under its square.
 */
final class FlatAdam {

    /**
     * Left alone, the moments of a parameter with no data gradient (a weight from a pixel that is zero in every
     * image, driven by L2 alone, or a dead unit's bias) shrink geometrically into subnormal floats, which x86
     * computes many times slower (Java cannot set flush-to-zero); a dense control's 16th cosine-decayed epoch took
     * about five times as long (docs/results/speed.md). With Adam's default epsilon of 1e-8, a steady gradient
     * that the flush loses would have moved its weight by under lr × 1e-6 a step.
     */
    static final float FLUSH_BELOW = 1e-15f;

    private static final int CHUNK = 8192;
    /** How often, in updates, the chunks not yet flushed are looked through for subnormal values. */
    private static final int SUBNORMAL_SCAN_INTERVAL = 64;

    private final INDArray params;
    private final INDArray gradient;
    private final INDArray state;
    private final long[] segmentEnds;
    private final float[] segmentL2;
    /** {@link #FLUSH_BELOW}, or 0 where {@link FineTuner#FLUSH_TINY_MOMENTS_PROPERTY} is false: then nothing is flushed. */
    private final float flushBelow = FineTuner.flushTinyMomentsEnabled() ? FLUSH_BELOW : 0f;
    private final float flushSquared = flushBelow * flushBelow;
    /**
     * The chunks found holding a subnormal value: they run the flushing loop, which the JIT does not vectorise, and
     * the rest the plain one. Flushing every chunk from the start made every LeNet-300-100 epoch up to 1.5 times
     * as long (docs/results/speed.md), while subnormal values appear only late in long runs.
     */
    private final boolean[] flushingChunks;
    private final float[] w = new float[CHUNK];
    private final float[] grad = new float[CHUNK];
    private final float[] m = new float[CHUNK];
    private final float[] v = new float[CHUNK];

    /**
     * @param gradient    the summed gradient, laid out as {@code params}
     * @param state       Adam's first moments, then its second moments, each laid out as {@code params}
     * @param segmentEnds where each segment of the parameters ends, in order; the last is their length
     * @param segmentL2   each segment's L2 coefficient (0 for none)
     */
    FlatAdam(INDArray params, INDArray gradient, INDArray state, long[] segmentEnds, float[] segmentL2) {
        this.params = params;
        this.gradient = gradient;
        this.state = state;
        this.segmentEnds = segmentEnds.clone();
        this.segmentL2 = segmentL2.clone();
        int chunks = 0;
        for (int segment = 0; segment < segmentEnds.length; segment++) {
            long length = segmentEnds[segment] - (segment == 0 ? 0 : segmentEnds[segment - 1]);
            chunks += (int) ((length + CHUNK - 1) / CHUNK);
        }
        this.flushingChunks = new boolean[chunks];
    }

    /** @return the L2 penalty's share of the score, as DL4J adds it */
    double update(Adam adam, int iteration, int epoch, int rows) {
        FloatBuffer p = params.data().asNioFloat();
        FloatBuffer g = gradient.data().asNioFloat();
        FloatBuffer s = state.data().asNioFloat();
        int po = (int) params.offset();
        int so = (int) state.offset();
        int n = (int) params.length();
        float beta1 = (float) adam.getBeta1();
        float beta2 = (float) adam.getBeta2();
        float epsilon = (float) adam.getEpsilon();
        float lr = (float) adam.getLearningRate(iteration, epoch);
        float beta1T = (float) Math.pow(beta1, iteration + 1);
        float beta2T = (float) Math.pow(beta2, iteration + 1);
        float step = lr * (float) Math.sqrt(1f - beta2T) / (1f - beta1T);
        if (Float.isNaN(step) || Float.isInfinite(step) || step == 0f) {
            step = epsilon;
        }
        float perExample = 1f / rows;
        double penalty = 0;
        boolean scan = flushBelow > 0f && iteration % SUBNORMAL_SCAN_INTERVAL == 0;
        int chunk = 0;
        for (int segment = 0, from = 0; segment < segmentEnds.length; segment++) {
            float decay = segmentL2[segment];
            for (int end = (int) segmentEnds[segment]; from < end; chunk++) { // a chunk never spans two segments
                int len = Math.min(CHUNK, end - from);
                p.get(po + from, w, 0, len);
                g.get(from, grad, 0, len);
                s.get(so + from, m, 0, len);
                s.get(so + n + from, v, 0, len);
                if (decay != 0f) {
                    for (int i = 0; i < len; i++) {
                        penalty += 0.5 * decay * w[i] * w[i];
                    }
                }
                if (!flushingChunks[chunk]) {
                    // DL4J's arithmetic exactly, in the form the JIT vectorises
                    for (int i = 0; i < len; i++) {
                        float gi = grad[i] * perExample + decay * w[i];
                        float mi = beta1 * m[i] + gi * (1f - beta1);
                        float vi = beta2 * v[i] + gi * gi * (1f - beta2);
                        m[i] = mi;
                        v[i] = vi;
                        w[i] = w[i] - mi * step / ((float) Math.sqrt(vi) + epsilon);
                    }
                    flushingChunks[chunk] = scan && holdsSubnormal(len);
                } else {
                    for (int i = 0; i < len; i++) {
                        float gi = flush(grad[i] * perExample + decay * w[i], flushBelow);
                        float mi = flush(beta1 * m[i] + gi * (1f - beta1), flushBelow);
                        float vi = flush(beta2 * v[i] + gi * gi * (1f - beta2), flushSquared);
                        m[i] = mi;
                        v[i] = vi;
                        w[i] = w[i] - mi * step / ((float) Math.sqrt(vi) + epsilon);
                    }
                }
                p.put(po + from, w, 0, len);
                s.put(so + from, m, 0, len);
                s.put(so + n + from, v, 0, len);
                from += len;
            }
        }
        return penalty;
    }

    /** Whether the chunk's weights or moments, as just updated, hold a subnormal float. */
    private boolean holdsSubnormal(int len) {
        for (int i = 0; i < len; i++) {
            if (subnormal(w[i]) || subnormal(m[i]) || subnormal(v[i])) {
                return true;
            }
        }
        return false;
    }

    private static boolean subnormal(float value) {
        return value != 0f && Math.abs(value) < Float.MIN_NORMAL;
    }

    /** Zero for a value under {@code limit} in magnitude, the value otherwise. */
    private static float flush(float value, float limit) {
        return Math.abs(value) < limit ? 0f : value;
    }
}
