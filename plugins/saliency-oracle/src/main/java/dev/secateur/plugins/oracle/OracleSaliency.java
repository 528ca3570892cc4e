package dev.secateur.plugins.oracle;

import dev.secateur.spi.Granularity;
import dev.secateur.spi.LossProbe;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamView;
import dev.secateur.spi.Permutations;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.SaliencyMethod;
import dev.secateur.spi.Units;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pf4j.Extension;

/**
 * The oracle of Molchanov et al. 2016: |ΔL|, the measured change of the calibration loss when a unit
 * (at structured granularity) or a single weight is removed. It is the reference the other criteria are
 * ranked against. It costs one forward pass over the calibration set per unit or weight, so at
 * unstructured granularity it measures a seeded sample of {@code samples} weights and leaves the others
 * NaN (allowed in a compare block only); {@code samples: 0} measures every weight.
 */
@Extension
public final class OracleSaliency implements SaliencyMethod {

    private static final int DEFAULT_SAMPLES = 256;

    @Override
    public String id() {
        return "oracle";
    }

    @Override
    public String description() {
        return "measured |loss change| when a unit or weight is removed (Molchanov et al. 2016); the reference ranking";
    }

    @Override
    public Set<Requirement> requirements() {
        return Set.of(Requirement.LOSS_ORACLE);
    }

    @Override
    public Map<String, String> options() {
        return Map.of("samples", "weights measured per parameter at unstructured granularity (default " + DEFAULT_SAMPLES
                + "; 0 measures all, one forward pass each)");
    }

    @Override
    public void validate(Options options) {
        samples(options);
    }

    @Override
    public INDArray score(ParamView param, Options options) {
        LossProbe probe = param.lossProbe().orElseThrow();
        double base = probe.baseLoss();
        INDArray mask = param.mask();
        if (param.granularity() instanceof Granularity.Structured) {
            int axis = param.layerKind().outputAxis();
            int[] others = IntStream.range(0, param.shape().length).filter(d -> d != axis).toArray();
            double[] alive = mask.max(others).toDoubleVector(); // per output channel
            double[] change = new double[Units.count(param)];
            int width = param.unitWidth();
            for (int u = 0; u < change.length; u++) {
                boolean removed = IntStream.range(u * width, (u + 1) * width).allMatch(c -> alive[c] == 0);
                change[u] = removed ? 0 : Math.abs(probe.lossWithoutUnit(u) - base);
            }
            return Units.spread(param, change);
        }
        float[] keep = mask.castTo(DataType.FLOAT).dup('c').reshape(mask.length()).toFloatVector();
        int samples = samples(options);
        float[] out = new float[keep.length];
        if (samples == 0 || samples >= keep.length) {
            for (int i = 0; i < keep.length; i++) {
                out[i] = keep[i] == 0 ? 0f : (float) Math.abs(probe.lossWithoutWeight(i) - base);
            }
        } else {
            Arrays.fill(out, Float.NaN);
            int[] order = Permutations.of(keep.length, param.seed());
            for (int k = 0; k < samples; k++) {
                int i = order[k];
                out[i] = keep[i] == 0 ? 0f : (float) Math.abs(probe.lossWithoutWeight(i) - base);
            }
        }
        return Nd4j.create(out, param.shape(), 'c');
    }

    private static int samples(Options options) {
        int samples = options.integer("samples", DEFAULT_SAMPLES);
        if (samples < 0) {
            throw new IllegalArgumentException("option 'samples' = " + samples + " must be 0 (all) or more");
        }
        return samples;
    }
}
