package dev.secateur.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/** FlatAdam against Adam written out plainly, element by element, over segments that straddle its chunks. */
class FlatAdamTest {

    /** A layer of 9,000 weights (more than one chunk of 8,192) with L2, its bias of 50 without, then 300 with L2 again. */
    private static final long[] ENDS = {9_000, 9_050, 9_350};
    private static final float[] L2 = {1e-3f, 0f, 2e-4f};
    private static final int N = 9_350;
    private static final Adam SETTINGS = new Adam(1e-3);

    private final Random random = new Random(3L);
    private final float[] w0 = randoms(0.1f);
    private final float[][] gradients = {randoms(1f), randoms(1f), randoms(1f)};

    private float[] randoms(float scale) {
        float[] values = new float[N];
        for (int i = 0; i < N; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return values;
    }

    /** Adam as DL4J computes it in float, with the L2 term of each parameter's segment and the batch's mean. */
    private static double referenceUpdate(float[] w, float[] m, float[] v, float[] gradient, int iteration, int rows) {
        float beta1 = (float) SETTINGS.getBeta1();
        float beta2 = (float) SETTINGS.getBeta2();
        float epsilon = (float) SETTINGS.getEpsilon();
        float step = (float) SETTINGS.getLearningRate(iteration, 0)
                * (float) Math.sqrt(1f - (float) Math.pow(beta2, iteration + 1)) / (1f - (float) Math.pow(beta1, iteration + 1));
        double penalty = 0;
        for (int i = 0, segment = 0; i < N; i++) {
            segment += i == ENDS[segment] ? 1 : 0;
            float decay = L2[segment];
            penalty += 0.5 * decay * w[i] * w[i];
            float g = gradient[i] * (1f / rows) + decay * w[i];
            m[i] = beta1 * m[i] + g * (1f - beta1);
            v[i] = beta2 * v[i] + g * g * (1f - beta2);
            w[i] = w[i] - m[i] * step / ((float) Math.sqrt(v[i]) + epsilon);
        }
        return penalty;
    }

    private record Flat(INDArray params, INDArray gradient, INDArray state, FlatAdam adam) {
    }

    private Flat flat(float[] w, float[] m) {
        var params = Nd4j.createFromArray(w.clone()).reshape(1, N);
        var gradient = Nd4j.create(DataType.FLOAT, 1, N);
        var state = Nd4j.create(DataType.FLOAT, 1, 2L * N);
        for (int i = 0; i < N; i++) {
            state.putScalar(0, i, m[i]);
        }
        return new Flat(params, gradient, state, new FlatAdam(params, gradient, state, ENDS, L2));
    }

    private static float[] firstMoments(Flat flat) {
        return flat.state().get(NDArrayIndex.point(0), NDArrayIndex.interval(0, N)).toFloatVector();
    }

    @Test
    void withoutSubnormalValuesItIsPlainAdamToTheBit() {
        var flat = flat(w0, new float[N]);
        float[] w = w0.clone();
        float[] m = new float[N];
        float[] v = new float[N];
        for (int iteration = 0; iteration < 3; iteration++) {
            flat.gradient().assign(Nd4j.createFromArray(gradients[iteration]).reshape(1, N));
            double penalty = flat.adam().update(SETTINGS, iteration, 0, 32);
            assertThat(penalty).isEqualTo(referenceUpdate(w, m, v, gradients[iteration], iteration, 32));
        }
        assertThat(flat.params().toFloatVector()).isEqualTo(w);
    }

    @Test
    void aChunkFoundHoldingASubnormalMomentIsFlushedFromTheNextUpdate() {
        // first moments of 1e-39 (subnormal) in the first chunk, where weights and gradients are zero
        float[] w = w0.clone();
        float[] m = new float[N];
        float[] gradient = gradients[0].clone();
        for (int i = 0; i < 100; i++) {
            w[i] = 0f;
            m[i] = 1e-39f;
            gradient[i] = 0f;
        }
        var flat = flat(w, m);
        flat.gradient().assign(Nd4j.createFromArray(gradient).reshape(1, N));
        // an update that is not a scan: the plain loop keeps DL4J's arithmetic, tiny values and all
        flat.adam().update(SETTINGS, 1, 0, 32);
        assertThat(firstMoments(flat)[0]).isNotZero();
        // the 64th update looks, finds the chunk, and from the next one it is flushed
        flat.adam().update(SETTINGS, 64, 0, 32);
        assertThat(firstMoments(flat)[0]).isNotZero();
        flat.adam().update(SETTINGS, 65, 0, 32);
        assertThat(firstMoments(flat)[0]).isZero();
        // the chunks that held none still run the plain loop: their moments follow DL4J's arithmetic
        assertThat(firstMoments(flat)[8_192 + 808]).isNotZero();
    }
}
