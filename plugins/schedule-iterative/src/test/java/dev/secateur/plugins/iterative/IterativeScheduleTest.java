package dev.secateur.plugins.iterative;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.spi.Options;
import dev.secateur.spi.ScheduleSpec;
import dev.secateur.spi.ScheduleStep;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IterativeScheduleTest {

    private final IterativeSchedule schedule = new IterativeSchedule();

    @Test
    void linearRampReachesTargetTimesKOverN() {
        var steps = schedule.plan(new ScheduleSpec(0.8, 4, 2, Options.NONE));
        assertThat(steps).extracting(ScheduleStep::targetSparsity)
                .containsExactly(0.2, 0.4, 0.6000000000000001, 0.8);
        assertThat(steps).allMatch(s -> s.finetuneEpochs() == 2);
    }

    @Test
    void geometricRampRemovesTheSameFractionOfWhatIsLeftEachRound() {
        var steps = schedule.plan(new ScheduleSpec(0.9, 2, 1, Options.of(Map.of("ramp", "geometric"))));
        // density after round 1 is sqrt(0.1) = 0.316..., so sparsity 0.683...
        assertThat(steps.get(0).targetSparsity()).isCloseTo(1 - Math.sqrt(0.1), within(1e-12));
        assertThat(steps.get(1).targetSparsity()).isEqualTo(0.9);
    }

    @Test
    void unknownRampIsRefused() {
        assertThatThrownBy(() -> schedule.plan(new ScheduleSpec(0.9, 2, 1, Options.of(Map.of("ramp", "cubic")))))
                .hasMessage("option 'ramp' = 'cubic' is not one of linear, geometric");
    }

    @Test
    void targetOutsideUnitIntervalIsRefusedBeforeAnySchedule() {
        assertThatThrownBy(() -> new ScheduleSpec(1.0, 2, 1, Options.NONE))
                .hasMessageContaining("target sparsity 1.0 is outside [0, 1)");
        assertThatThrownBy(() -> new ScheduleSpec(-0.1, 2, 1, Options.NONE))
                .hasMessageContaining("outside [0, 1)");
    }
}
