package dev.secateur.plugins.oneshot;

import dev.secateur.spi.PruningSchedule;
import dev.secateur.spi.ScheduleSpec;
import dev.secateur.spi.ScheduleStep;
import java.util.List;
import org.pf4j.Extension;

/** Prune once, straight to the target, then fine-tune if asked. */
@Extension
public final class OneShotSchedule implements PruningSchedule {

    @Override
    public String id() {
        return "one-shot";
    }

    @Override
    public String description() {
        return "prune once to the target, then fine-tune for the given epochs (0 for none)";
    }

    @Override
    public List<ScheduleStep> plan(ScheduleSpec spec) {
        if (spec.steps() != 1) {
            throw new IllegalArgumentException("schedule 'one-shot' has exactly one step, but steps = " + spec.steps()
                    + "; leave steps out, or use 'iterative' or 'agp' for several");
        }
        return List.of(new ScheduleStep(1, spec.target(), spec.finetuneEpochs()));
    }
}
