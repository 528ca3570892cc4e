package dev.secateur.score;

import dev.secateur.model.Network;
import dev.secateur.data.Dataset;
import dev.secateur.errors.BadInputException;
import dev.secateur.errors.PluginFailedException;
import dev.secateur.errors.RunCancelledException;
import dev.secateur.model.PrunableParam;
import dev.secateur.model.MaskSet;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.ParamView;
import dev.secateur.spi.Requirement;
import dev.secateur.spi.SaliencyMethod;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Scores the parameters in scope with saliency methods. The statistics the methods declare are gathered
 * once, in one {@link StatisticsPass} over the calibration set, before any method runs; several methods
 * (a criteria comparison) share that one pass.
 */
public final class Scorer {

    private final StatisticsPass pass = new StatisticsPass();

    /** A method to run, with the plugin version and the options given to it. */
    public record Method(SaliencyMethod extension, String version, Options options) {
    }

    /**
     * Refuses, before a run starts, a method whose requirements cannot be gathered for a parameter in
     * scope, naming the plugin, the parameter and what is missing.
     */
    public static void checkRequirements(SaliencyMethod method, Options options, MultiLayerNetwork net, List<PrunableParam> params) {
        checkRequirements(method, options, Network.of(net), params);
    }

    public static void checkRequirements(SaliencyMethod method, Options options, Network network, List<PrunableParam> params) {
        Capabilities.of(network, params).check(method, options, params);
    }

    /** What a method asks for with these options; whatever the plugin throws fails the step with its name. */
    /**
     * Whether a method with these requirements scores each unit of a layer with its whole group removed (a loss probe
     * does), so a group's score is its leader's: the followers need no scoring, and adding theirs would count it twice.
     */
    public static boolean scoresWholeGroups(Set<Requirement> requirements) {
        return requirements.contains(Requirement.LOSS_ORACLE);
    }

    public static Set<Requirement> requirements(Method method) {
        return calling(method, "declaring its requirements", () -> method.extension().requirements(method.options()));
    }

    /**
     * Calls plugin code. Bad input and the plugin's own contract failures pass as they are; anything else it
     * throws, an {@link Error} included (a failed assert, a stack overflow), fails the step naming the plugin.
     */
    private static <T> T calling(Method method, String doing, Supplier<T> call) {
        try {
            return call.get();
        } catch (BadInputException | PluginFailedException | RunCancelledException e) {
            throw e;
        } catch (Throwable e) {
            throw new PluginFailedException(failedMessage(method.extension(), method.version(), doing, e), e);
        }
    }

    private static String failedMessage(SaliencyMethod extension, String version, String doing, Throwable e) {
        return "saliency '" + extension.id() + "' " + version + " failed " + doing + ": " + PluginFailedException.describe(e)
                + "; fix the plugin or choose another saliency ('secateur plugins' lists them)";
    }

    /** Whether any of these requirements needs calibration data. */
    public static boolean needsData(Set<Requirement> requirements) {
        return requirements.contains(Requirement.LOSS_ORACLE) || requirements.stream().anyMatch(StatisticsPass.DATA::contains);
    }

    /** The union of what the methods need, gathered in one pass. {@code calibration} may be null if no data is needed. */
    public Statistics gather(Network net, List<PrunableParam> params, List<Method> methods, Dataset calibration) {
        var union = EnumSet.of(Requirement.WEIGHTS);
        methods.forEach(m -> union.addAll(requirements(m)));
        methods.forEach(m -> calling(m, "checking its requirements", () -> {
            checkRequirements(m.extension(), m.options(), net, params);
            return null;
        }));
        if (!needsData(union)) {
            return Statistics.NONE;
        }
        return pass.gather(net, params, union, calibration);
    }

    /** Gathers what one method needs and scores every parameter with it. */
    public ScoreSet score(MultiLayerNetwork net, List<PrunableParam> params, MaskSet masks, Method method,
                          Granularity granularity, long seed, Dataset calibration) {
        return score(Network.of(net), params, masks, method, granularity, seed, calibration);
    }

    public ScoreSet score(Network net, List<PrunableParam> params, MaskSet masks, Method method,
                          Granularity granularity, long seed, Dataset calibration) {
        return score(net, params, masks, method, granularity, seed, calibration, null);
    }

    /** The same, with an oracle's units measured by {@code unitLosses} (cluster workers); null measures here. */
    public ScoreSet score(Network net, List<PrunableParam> params, MaskSet masks, Method method,
                          Granularity granularity, long seed, Dataset calibration, UnitLossSource unitLosses) {
        return score(net, params, masks, method, granularity, seed, calibration, unitLosses, Map.of());
    }

    /** The same, telling each parameter the sparsity it will have after the step, where the scope gives one. */
    public ScoreSet score(Network net, List<PrunableParam> params, MaskSet masks, Method method, Granularity granularity,
                          long seed, Dataset calibration, UnitLossSource unitLosses, Map<ParamRef, Double> targets) {
        var statistics = gather(net, params, List.of(method), calibration).withUnitLosses(unitLosses);
        return score(net, params, masks, statistics, method, granularity, seed, false, targets);
    }

    /**
     * Scores with statistics already gathered.
     *
     * @param unmeasuredAllowed whether NaN marks entries a method left unmeasured (a sampled oracle in a
     *                          comparison); when pruning every score must be finite
     */
    public ScoreSet score(Network net, List<PrunableParam> params, MaskSet masks, Statistics statistics,
                          Method method, Granularity granularity, long seed, boolean unmeasuredAllowed) {
        return score(net, params, masks, statistics, method, granularity, seed, unmeasuredAllowed, Map.of());
    }

    private ScoreSet score(Network net, List<PrunableParam> params, MaskSet masks, Statistics statistics, Method method,
                           Granularity granularity, long seed, boolean unmeasuredAllowed, Map<ParamRef, Double> targets) {
        var extension = method.extension();
        var scores = new TreeMap<ParamRef, INDArray>();
        for (var param : params) {
            var mask = masks.of(param.weights()).orElseGet(() -> Nd4j.ones(param.shape()));
            var view = new NetworkParamView(net, param, mask, statistics, granularity, seed,
                    targets.getOrDefault(param.weights(), Double.NaN));
            // a method sees the live weights; it must not change them, and if it does the model is put back
            float[] before = view.weights().dup('c').data().asFloat();
            INDArray score;
            try {
                score = extension.score(view, method.options());
            } catch (BadInputException e) {
                throw e;
            } catch (Throwable e) {
                // an Error too: a failed assert or a stack overflow in a plugin fails this step, not the process
                throw new PluginFailedException("saliency '" + extension.id() + "' " + method.version() + " failed on "
                        + param.weights() + ": " + PluginFailedException.describe(e), e);
            } finally {
                var after = view.weights();
                if (!Arrays.equals(before, after.dup('c').data().asFloat())) {
                    after.assign(Nd4j.create(before, after.shape(), 'c'));
                    throw new PluginFailedException("saliency '" + extension.id() + "' " + method.version() + " wrote into the weights of "
                            + param.weights() + " it was given to score; a saliency method only reads them (score a copy: "
                            + "param.weights().dup()), and the weights were put back");
                }
            }
            scores.put(param.weights(), checked(extension, param, score, unmeasuredAllowed));
        }
        return ScoreSet.of(scores, extension.id(), method.version(), statistics);
    }

    /** The view a method gets of one live parameter; the pruner shows the same view to compensating methods. */
    public static ParamView view(Network net, PrunableParam param, MaskSet masks, Statistics statistics,
                                 Granularity granularity, long seed) {
        var mask = masks.of(param.weights()).orElseGet(() -> Nd4j.ones(param.shape()));
        return new NetworkParamView(net, param, mask, statistics, granularity, seed, Double.NaN);
    }

    private static INDArray checked(SaliencyMethod method, PrunableParam param, INDArray score, boolean unmeasuredAllowed) {
        if (score == null || !Arrays.equals(score.shape(), param.shape())) {
            throw new PluginFailedException("saliency '" + method.id() + "' returned "
                    + (score == null ? "null" : "shape " + Arrays.toString(score.shape())) + " for " + param.weights()
                    + ", expected shape " + Arrays.toString(param.shape()));
        }
        if (!Double.isFinite(score.sumNumber().doubleValue())) {
            if (BooleanIndexing.or(score, Conditions.isInfinite())) {
                throw new PluginFailedException("saliency '" + method.id() + "' returned infinite scores for "
                        + param.weights() + "; scores must be finite");
            }
            if (!unmeasuredAllowed && BooleanIndexing.or(score, Conditions.isNan())) {
                throw new BadInputException("saliency '" + method.id() + "' left some weights of " + param.weights()
                        + " unmeasured (NaN), which is only allowed in a compare block; for pruning, score every weight"
                        + " (for the oracle: use filters() or neurons(), or drop its 'samples' option)");
            }
        }
        return score;
    }
}
