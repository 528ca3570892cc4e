package dev.secateur.spi;

import java.util.List;
import java.util.Map;
import org.pf4j.ExtensionPoint;

/**
 * Maps a final target to the sparsity of each step. A schedule is a small pure function: it neither
 * scores nor prunes. Targets must not decrease from step to step, because pruned weights stay pruned.
 *
 * <p>Implementations are PF4J extensions, like {@link SaliencyMethod}.
 */
public interface PruningSchedule extends ExtensionPoint {

    /** The id users write in scripts, such as {@code iterative}. */
    String id();

    /** One line for {@code secateur plugins}. */
    String description();

    /** The schedule-specific options this schedule understands, each with a one-line description. */
    default Map<String, String> options() {
        return Map.of();
    }

    /**
     * Plans the steps.
     *
     * @return at least one step, indices 1..n, targets non-decreasing, the last one equal to {@code spec.target()}
     * @throws IllegalArgumentException for an option value the schedule cannot use, naming the option
     */
    List<ScheduleStep> plan(ScheduleSpec spec);
}
