package dev.secateur.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.errors.PluginFailedException;
import dev.secateur.spec.ScheduleChoice;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.PruningSchedule;
import dev.secateur.spi.ScheduleSpec;
import dev.secateur.spi.ScheduleStep;
import dev.secateur.spi.Scope;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StepPlannerTest {

    private static PruningSchedule schedule(Function<ScheduleSpec, List<ScheduleStep>> plan) {
        return new PruningSchedule() {
            public String id() {
                return "test";
            }

            public String description() {
                return "test";
            }

            public List<ScheduleStep> plan(ScheduleSpec spec) {
                return plan.apply(spec);
            }
        };
    }

    private static final PruningSchedule LINEAR = schedule(spec -> IntStream.rangeClosed(1, spec.steps())
            .mapToObj(k -> new ScheduleStep(k, spec.target() * k / spec.steps(), spec.finetuneEpochs())).toList());

    private final ScheduleChoice choice = new ScheduleChoice("test", 0.8, 4, Options.NONE);

    @Test
    void globalScopeTakesTheScheduleAsItIs() {
        var steps = StepPlanner.plan(LINEAR, choice, new Scope.Global(Set.of()), 2);
        assertThat(steps).extracting(s -> s.step().targetSparsity()).containsExactly(0.2, 0.4, 0.6000000000000001, 0.8);
        assertThat(steps).allMatch(s -> s.step().finetuneEpochs() == 2 && s.perLayerTargets().isEmpty());
    }

    @Test
    void perLayerScopeRunsTheScheduleForEachLayerTarget() {
        var scope = new Scope.PerLayer(Map.of(ParamRef.weights(0), 0.9, ParamRef.weights(1), 0.5), Set.of());
        var steps = StepPlanner.plan(LINEAR, new ScheduleChoice("test", 0.0, 2, Options.NONE), scope, 1);
        assertThat(steps.get(0).perLayerTargets()).isEqualTo(Map.of(ParamRef.weights(0), 0.45, ParamRef.weights(1), 0.25));
        assertThat(steps.get(1).perLayerTargets()).isEqualTo(Map.of(ParamRef.weights(0), 0.9, ParamRef.weights(1), 0.5));
    }

    @Test
    void aScheduleThatLowersTheTargetIsAPluginFailure() {
        var bad = schedule(spec -> List.of(new ScheduleStep(1, 0.8, 0), new ScheduleStep(2, 0.5, 0)));
        assertThatThrownBy(() -> StepPlanner.plan(bad, new ScheduleChoice("test", 0.5, 2, Options.NONE), new Scope.Global(Set.of()), 0))
                .isInstanceOf(PluginFailedException.class).hasMessageContaining("lowered the target at step 2");
    }

    @Test
    void aScheduleThatMissesTheTargetIsAPluginFailure() {
        var bad = schedule(spec -> List.of(new ScheduleStep(1, 0.3, 0)));
        assertThatThrownBy(() -> StepPlanner.plan(bad, choice, new Scope.Global(Set.of()), 0))
                .isInstanceOf(PluginFailedException.class).hasMessageContaining("ended at 0.3 instead of the target 0.8");
    }

    @Test
    void aRefusedOptionIsBadInput() {
        var strict = schedule(spec -> {
            throw new IllegalArgumentException("option 'ramp' = 'x' is not one of linear, geometric");
        });
        assertThatThrownBy(() -> StepPlanner.plan(strict, choice, new Scope.Global(Set.of()), 0))
                .isInstanceOf(BadInputException.class).hasMessage("schedule 'test': option 'ramp' = 'x' is not one of linear, geometric");
    }

    @Test
    void aMisspeltChoiceIsBadInputWithTheNearestChoice() {
        var ramped = schedule(spec -> {
            spec.options().choice("ramp", "linear", "linear", "geometric");
            return List.of(new ScheduleStep(1, spec.target(), 0));
        });
        assertThatThrownBy(() -> StepPlanner.plan(ramped, new ScheduleChoice("test", 0.8, 1, Options.of(Map.of("ramp", "Geometic"))),
                new Scope.Global(Set.of()), 0)).isInstanceOf(BadInputException.class)
                .hasMessage("schedule 'test': option 'ramp' = 'Geometic' is not one of linear, geometric (did you mean 'geometric'?)");
        // nothing near enough: no guess
        assertThatThrownBy(() -> StepPlanner.plan(ramped, new ScheduleChoice("test", 0.8, 1, Options.of(Map.of("ramp", "cubic"))),
                new Scope.Global(Set.of()), 0)).hasMessage("schedule 'test': option 'ramp' = 'cubic' is not one of linear, geometric");
    }
}
