package dev.secateur.plugins.random;

import dev.secateur.spi.Options;
import dev.secateur.spi.ParamView;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.SaliencyMethod;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pf4j.Extension;

/**
 * The control: uniform random scores in [0, 1). The generator is seeded from the parameter's seed, so
 * one experiment seed always gives the same masks, whatever the machine.
 */
@Extension
public final class RandomSaliency implements SaliencyMethod {

    @Override
    public String id() {
        return "random";
    }

    @Override
    public String description() {
        return "seeded uniform random scores, the control baseline";
    }

    @Override
    public Set<Requirement> requirements() {
        return Set.of(Requirement.WEIGHTS);
    }

    @Override
    public INDArray score(ParamView param, Options options) {
        long n = param.weights().length();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(param.ref() + " has " + n + " weights; random scores are limited to 2^31-1 per parameter");
        }
        var rng = new SplittableRandom(param.seed());
        float[] scores = new float[(int) n];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) rng.nextDouble();
        }
        return Nd4j.create(scores, param.shape(), 'c');
    }
}
