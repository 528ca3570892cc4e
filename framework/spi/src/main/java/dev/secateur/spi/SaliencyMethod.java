package dev.secateur.spi;

import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pf4j.ExtensionPoint;

/**
 * A saliency criterion: it gives every weight of a parameter an importance score.
 *
 * <p>A method is pure. It reads the parameter and the statistics it declared, and returns a new array
 * of the same shape; higher means more important, so the lowest scores are pruned first. It never
 * thresholds, never mutates the weights or the mask, and keeps no state between calls. Ranking, scope
 * (layer-wise, global, per-layer), granularity (unstructured or whole filters and neurons) and
 * thresholds belong to the pruner. Scores of weights that are already pruned are ignored: those weights
 * stay pruned.
 *
 * <p>Implementations are PF4J extensions: annotate the class with {@code @Extension} and ship it in a
 * plugin jar whose manifest names {@code Plugin-Id} and {@code Plugin-Version}. The framework looks a
 * method up per request and never caches the instance.
 */
public interface SaliencyMethod extends ExtensionPoint {

    /** The id users write in scripts, such as {@code magnitude}. Lower case, with dashes. */
    String id();

    /** One line for {@code secateur plugins}. */
    String description();

    /** What the scorer must gather before {@link #score} is called. */
    Set<Requirement> requirements();

    /**
     * What the scorer must gather for these options; a method whose modes need different statistics
     * (OBS: exact or layer-wise) overrides this so that the pass gathers only what the chosen mode reads.
     */
    default Set<Requirement> requirements(Options options) {
        return requirements();
    }

    /** The options this method understands, each with a one-line description. Unknown options are refused. */
    default Map<String, String> options() {
        return Map.of();
    }

    /**
     * Checks option values before a run starts, so a bad value fails at submit time and not halfway
     * through an experiment. Throws {@link IllegalArgumentException} naming the option and the fix.
     */
    default void validate(Options options) {
    }

    /**
     * Scores one parameter.
     *
     * @return a new array with the shape of {@link ParamView#weights()}, finite everywhere
     */
    INDArray score(ParamView param, Options options);

    /**
     * Whether the parameters are scored and pruned one at a time, in layer order, each with statistics gathered
     * through the layers already pruned (and compensated) in this step, as SparseGPT's Algorithm 1 does, rather than
     * all from one pass over the model as it was before the step. It costs a statistics pass per parameter.
     */
    default boolean sequential() {
        return false;
    }

    /**
     * Whether this method also moves the weights that stay to make up for those removed, as OBS does.
     * When it does, the pruner calls {@link #compensate} once per parameter after deciding the masks.
     */
    default boolean compensates() {
        return false;
    }

    /**
     * The weights to keep after the pruner has decided what to remove, for methods that
     * {@link #compensates()}. It is pure like {@link #score}: it returns a new array and the pruner writes
     * it. The view's mask is the mask before this step; {@code keep} is the new one (1 kept, 0 removed).
     *
     * @return new weights with the shape of the parameter; entries where {@code keep} is 0 are ignored
     */
    default INDArray compensate(ParamView param, INDArray keep, Options options) {
        throw new UnsupportedOperationException(id() + " does not compensate");
    }
}
