package dev.secateur.plugins.agp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.spi.Options;
import dev.secateur.spi.ScheduleSpec;
import dev.secateur.spi.ScheduleStep;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgpScheduleTest {

    private final AgpSchedule agp = new AgpSchedule();

    @Test
    void followsTheCubicRampOfZhuAndGupta() {
        var steps = agp.plan(new ScheduleSpec(0.9, 4, 1, Options.NONE));
        // s_t = 0.9 + (0 - 0.9)(1 - t/4)^3
        assertThat(steps.get(0).targetSparsity()).isCloseTo(0.9 - 0.9 * Math.pow(0.75, 3), within(1e-12));
        assertThat(steps.get(1).targetSparsity()).isCloseTo(0.9 - 0.9 * Math.pow(0.5, 3), within(1e-12));
        assertThat(steps.get(2).targetSparsity()).isCloseTo(0.9 - 0.9 * Math.pow(0.25, 3), within(1e-12));
        assertThat(steps.get(3).targetSparsity()).isEqualTo(0.9);
        assertThat(steps).extracting(ScheduleStep::index).containsExactly(1, 2, 3, 4);
    }

    @Test
    void prunesFastEarlyAndSlowLate() {
        var t = agp.plan(new ScheduleSpec(0.9, 5, 1, Options.NONE)).stream().mapToDouble(ScheduleStep::targetSparsity).toArray();
        for (int i = 1; i < t.length - 1; i++) {
            assertThat(t[i + 1] - t[i]).isLessThan(t[i] - t[i - 1]);
        }
    }

    @Test
    void startsFromAnInitialSparsity() {
        var steps = agp.plan(new ScheduleSpec(0.9, 2, 1, Options.of(Map.of("initial", 0.5))));
        assertThat(steps.get(0).targetSparsity()).isCloseTo(0.9 - 0.4 * 0.125, within(1e-12));
    }

    @Test
    void initialAboveTargetIsRefused() {
        assertThatThrownBy(() -> agp.plan(new ScheduleSpec(0.5, 2, 1, Options.of(Map.of("initial", 0.7)))))
                .hasMessageContaining("'initial' = 0.7 must be in [0, target]");
    }

    @Test
    void recoveryEpochsAreAddedAfterTheLastStepOnly() {
        var steps = agp.plan(new ScheduleSpec(0.95, 4, 2, Options.of(Map.of("recovery", 6))));
        assertThat(steps).extracting(ScheduleStep::finetuneEpochs).containsExactly(2, 2, 2, 8);
        assertThat(steps.get(3).targetSparsity()).isEqualTo(0.95);
        assertThatThrownBy(() -> agp.plan(new ScheduleSpec(0.9, 2, 1, Options.of(Map.of("recovery", 1.5)))))
                .hasMessageContaining("'recovery' = 1.5 must be a whole number of epochs");
    }
}
