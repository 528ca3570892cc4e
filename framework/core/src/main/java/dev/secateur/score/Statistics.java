package dev.secateur.score;

import dev.secateur.data.Dataset;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Requirement;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What one statistics pass gathered: per parameter, one array per requirement.
 *
 * @param requested   the requirements the pass was asked for
 * @param byParam     the arrays, by parameter and requirement
 * @param calibration the calibration samples, kept for loss probes; null when nothing needed data
 * @param batches     how many minibatches the pass ran (0 when only weights were asked for)
 * @param outputPositions per parameter, the spatial positions of each output unit (1 for dense layers)
 * @param unitLosses  where loss probes measure units removed, when not here (cluster workers); null for here
 */
public record Statistics(Set<Requirement> requested, Map<ParamRef, Map<Requirement, INDArray>> byParam,
                         Dataset calibration, int batches, Map<ParamRef, Long> outputPositions, UnitLossSource unitLosses) {

    public Statistics(Set<Requirement> requested, Map<ParamRef, Map<Requirement, INDArray>> byParam,
                      Dataset calibration, int batches, Map<ParamRef, Long> outputPositions) {
        this(requested, byParam, calibration, batches, outputPositions, null);
    }

    /** The same statistics, with the oracle's units measured by {@code source}. */
    public Statistics withUnitLosses(UnitLossSource source) {
        return new Statistics(requested, byParam, calibration, batches, outputPositions, source);
    }

    /** Nothing gathered: what a weights-only method needs. */
    public static final Statistics NONE = new Statistics(Set.of(Requirement.WEIGHTS), Map.of(), null, 0, Map.of());

    public Map<Requirement, INDArray> of(ParamRef ref) {
        return byParam.getOrDefault(ref, Map.of());
    }
}
