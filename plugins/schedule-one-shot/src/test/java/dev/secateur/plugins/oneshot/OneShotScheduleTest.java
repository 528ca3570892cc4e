package dev.secateur.plugins.oneshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.spi.Options;
import dev.secateur.spi.ScheduleSpec;
import dev.secateur.spi.ScheduleStep;
import org.junit.jupiter.api.Test;

class OneShotScheduleTest {

    @Test
    void oneStepStraightToTheTarget() {
        assertThat(new OneShotSchedule().plan(new ScheduleSpec(0.9, 1, 0, Options.NONE)))
                .containsExactly(new ScheduleStep(1, 0.9, 0));
    }

    @Test
    void severalStepsAreRefusedWithTheAlternatives() {
        assertThatThrownBy(() -> new OneShotSchedule().plan(new ScheduleSpec(0.9, 3, 1, Options.NONE)))
                .hasMessageContaining("exactly one step").hasMessageContaining("'iterative'");
    }
}
