package dev.secateur.plugins.agp;

import dev.secateur.spi.PruningSchedule;
import dev.secateur.spi.ScheduleSpec;
import dev.secateur.spi.ScheduleStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pf4j.Extension;

/**
 * Zhu and Gupta 2017, automated gradual pruning: s_t = s_f + (s_i − s_f)·(1 − t/n)³ for t = 1..n, with
 * fine-tuning between steps. It prunes fast while many redundant weights remain and slowly near the end.
 * The {@code recovery} option adds fine-tuning epochs after the last step, where Zhu and Gupta kept training
 * at the final sparsity.
 */
@Extension
public final class AgpSchedule implements PruningSchedule {

    @Override
    public String id() {
        return "agp";
    }

    @Override
    public String description() {
        return "automated gradual pruning, a cubic ramp from initial to target over n steps (Zhu and Gupta 2017)";
    }

    @Override
    public Map<String, String> options() {
        return Map.of("initial", "the starting sparsity s_i, default 0, below the target",
                "recovery", "extra fine-tuning epochs after the last step, default 0, to recover at the final sparsity");
    }

    @Override
    public List<ScheduleStep> plan(ScheduleSpec spec) {
        double initial = spec.options().number("initial", 0.0);
        if (!(initial >= 0.0 && initial <= spec.target())) {
            throw new IllegalArgumentException("agp option 'initial' = " + initial
                    + " must be in [0, target]; the target is " + spec.target());
        }
        double recovery = spec.options().number("recovery", 0.0);
        if (!(recovery >= 0 && recovery == Math.rint(recovery) && recovery <= 1000)) {
            throw new IllegalArgumentException("agp option 'recovery' = " + recovery
                    + " must be a whole number of epochs from 0 to 1000, such as 5");
        }
        int n = spec.steps();
        var steps = new ArrayList<ScheduleStep>(n);
        for (int t = 1; t <= n; t++) {
            double remaining = 1.0 - (double) t / n;
            double target = t == n ? spec.target()
                    : spec.target() + (initial - spec.target()) * remaining * remaining * remaining;
            steps.add(new ScheduleStep(t, target, spec.finetuneEpochs() + (t == n ? (int) recovery : 0)));
        }
        return steps;
    }
}
