package dev.secateur.score;

import dev.secateur.errors.BadInputException;
import dev.secateur.errors.PluginFailedException;
import dev.secateur.model.PrunableParam;
import dev.secateur.prune.MaskSet;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.SaliencyMethod;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Scores the parameters in scope with one saliency method. Statistics a method declares are gathered
 * once, before any method runs; this version gathers the weights themselves, which need no pass over data.
 */
public final class Scorer {

    /** The requirements the statistics pass can supply today. */
    public static final Set<Requirement> GATHERED = EnumSet.of(Requirement.WEIGHTS);

    /**
     * Refuses, before a run starts, a method whose requirements this scorer cannot gather, naming the
     * plugin, the parameter and what is missing.
     */
    public static void checkRequirements(SaliencyMethod method, List<PrunableParam> params) {
        var missing = EnumSet.noneOf(Requirement.class);
        missing.addAll(method.requirements());
        missing.removeAll(GATHERED);
        if (!missing.isEmpty() && !params.isEmpty()) {
            throw new BadInputException("saliency '" + method.id() + "' requires " + missing
                    + " for " + params.get(0).weights() + " (" + params.get(0).kind().name().toLowerCase(java.util.Locale.ROOT)
                    + " layer), which the scorer cannot gather; it gathers " + GATHERED
                    + ". Choose another saliency, such as 'magnitude'");
        }
    }

    public ScoreSet score(MultiLayerNetwork net, List<PrunableParam> params, MaskSet masks,
                          SaliencyMethod method, String version, Options options, long seed) {
        checkRequirements(method, params);
        var scores = new TreeMap<ParamRef, INDArray>();
        Map<Requirement, INDArray> noStatistics = Map.of();
        for (var param : params) {
            var mask = masks.of(param.weights()).orElseGet(() -> Nd4j.ones(param.shape()));
            var view = new NetworkParamView(net, param, mask, noStatistics, seed);
            INDArray score;
            try {
                score = method.score(view, options);
            } catch (RuntimeException e) {
                throw new PluginFailedException("saliency '" + method.id() + "' " + version + " failed on "
                        + param.weights() + ": " + e, e);
            }
            scores.put(param.weights(), checked(method, param, score));
        }
        return ScoreSet.of(scores, method.id(), version);
    }

    private static INDArray checked(SaliencyMethod method, PrunableParam param, INDArray score) {
        if (score == null || !Arrays.equals(score.shape(), param.shape())) {
            throw new PluginFailedException("saliency '" + method.id() + "' returned "
                    + (score == null ? "null" : "shape " + Arrays.toString(score.shape())) + " for " + param.weights()
                    + ", expected shape " + Arrays.toString(param.shape()));
        }
        if (!Double.isFinite(score.sumNumber().doubleValue())
                && (BooleanIndexing.or(score, Conditions.isNan()) || BooleanIndexing.or(score, Conditions.isInfinite()))) {
            throw new PluginFailedException("saliency '" + method.id() + "' returned NaN or infinite scores for "
                    + param.weights() + "; scores must be finite");
        }
        return score;
    }
}
