package dev.secateur.plugins.iterative;

import dev.secateur.spi.PruningSchedule;
import dev.secateur.spi.ScheduleSpec;
import dev.secateur.spi.ScheduleStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pf4j.Extension;

/**
 * Han et al. 2015: n rounds of prune then fine-tune. With {@code ramp: 'linear'} step k of n reaches
 * target·k/n. With {@code ramp: 'geometric'} each round removes the same fraction of the weights still
 * left, so the density after step k is (1 − target)^(k/n).
 */
@Extension
public final class IterativeSchedule implements PruningSchedule {

    @Override
    public String id() {
        return "iterative";
    }

    @Override
    public String description() {
        return "n rounds of prune then fine-tune, linear or geometric targets (Han et al. 2015)";
    }

    @Override
    public Map<String, String> options() {
        return Map.of("ramp", "'linear' (default): target·k/n; 'geometric': density (1 − target)^(k/n)");
    }

    @Override
    public List<ScheduleStep> plan(ScheduleSpec spec) {
        boolean geometric = "geometric".equals(spec.options().choice("ramp", "linear", "linear", "geometric"));
        int n = spec.steps();
        var steps = new ArrayList<ScheduleStep>(n);
        for (int k = 1; k <= n; k++) {
            double fraction = (double) k / n;
            double target = k == n ? spec.target()
                    : geometric ? 1.0 - Math.pow(1.0 - spec.target(), fraction) : spec.target() * fraction;
            steps.add(new ScheduleStep(k, target, spec.finetuneEpochs()));
        }
        return steps;
    }
}
