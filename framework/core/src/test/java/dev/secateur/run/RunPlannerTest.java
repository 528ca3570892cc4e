package dev.secateur.run;

import static dev.secateur.dsl.ExperimentBuilder.experiment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.Fixtures;
import dev.secateur.dsl.Dsl;
import dev.secateur.dsl.ExperimentBuilder;
import dev.secateur.errors.BadInputException;
import dev.secateur.errors.PluginFailedException;
import dev.secateur.model.Architecture;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.plugin.PluginHost;
import dev.secateur.plugin.PluginIsolationTest;
import dev.secateur.score.Capabilities;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Scope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The planner alone, without Vert.x: a spec checked against the installed plugins and a model's description. */
class RunPlannerTest {

    private final RunPlanner planner = new RunPlanner(Fixtures.plugins());
    private static final Network LENET300 = Architecture.byId("lenet-300-100").network(1, 1e-3);
    private static final Network LENET5 = Architecture.byId("lenet-5").network(1, 1e-3);

    private RunPlan plan(ExperimentSpec spec, Network net) {
        var params = NetworkLayout.prunable(net);
        return planner.plan(spec, planner.check(spec), params, NetworkLayout.groups(net), Capabilities.of(net, params));
    }

    private static ExperimentSpec spec(String name, Consumer<ExperimentBuilder> more) {
        return experiment(name, e -> {
            e.model(m -> m.train("lenet-300-100")).schedule("iterative", s -> s.target(0.9).steps(3));
            more.accept(e);
        });
    }

    @Test
    void aGlobalIterativePlanHasItsStepsScopeAndTheDenseSizes() {
        var plan = plan(spec("global", e -> e.scope(Map.of("exclude", List.of("0_W")), Dsl.global())), LENET300);
        assertThat(plan.steps()).extracting(s -> s.step().targetSparsity()).containsExactly(0.3, 0.6, 0.9);
        assertThat(plan.inScope()).extracting(p -> p.weights().toString()).containsExactly("1_W", "2_W");
        assertThat(plan.denseWeights()).containsEntry(ParamRef.parse("0_W"), 784L * 300).containsEntry(ParamRef.parse("2_W"), 1000L);
        assertThat(plan.saliencyVersion()).isEqualTo("0.1.0-SNAPSHOT");
        assertThat(plan.tags().saliency()).isEqualTo("magnitude");
        assertThat(plan.tags().schedule()).isEqualTo("iterative");
        assertThat(plan.isLast(plan.steps().get(2))).isTrue();
        assertThat(plan.target(plan.steps().get(0)).target()).isEqualTo(0.3);
    }

    @Test
    void aPerLayerStepAimsAtTheSizeWeightedMeanOfItsLayers() {
        var plan = plan(spec("per-layer", e -> e.scope(Dsl.perLayer(Map.of("0_W", 0.9, "1_W", 0.5)))
                .schedule("one-shot", s -> { })), LENET300);
        double expected = (0.9 * 784 * 300 + 0.5 * 300 * 100) / (784.0 * 300 + 300 * 100);
        assertThat(plan.target(plan.steps().get(0)).target()).isCloseTo(expected, within(1e-12));
        assertThat(plan.target(plan.steps().get(0)).perParam()).containsEntry(ParamRef.parse("0_W"), 0.9);
    }

    @Test
    void aMisspelledScheduleOptionSuggestsTheDeclarationsOwnNames() {
        var typo = spec("typo", e -> e.schedule(Map.of("target", 0.9, "step", 3), "iterative"));
        assertThatThrownBy(() -> planner.check(typo)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("schedule 'iterative' has no option 'step'").hasMessageContaining("(did you mean 'steps'?)");
    }

    @Test
    void unknownPluginsAndOptionsAreRefusedBeforeLoading() {
        assertThatThrownBy(() -> planner.check(spec("s", e -> e.saliency("magnitud"))))
                .hasMessageContaining("unknown saliency 'magnitud'").hasMessageContaining("did you mean 'magnitude'?");
        assertThatThrownBy(() -> planner.check(spec("s", e -> e.saliency(Map.of("nrom", "l2"), "magnitude"))))
                .hasMessageContaining("saliency 'magnitude' has no option 'nrom'; its options are norm (did you mean 'norm'?)");
        assertThatThrownBy(() -> planner.check(spec("s", e -> e.schedule("gradual", s -> s.target(0.5)))))
                .hasMessageContaining("unknown schedule 'gradual'");
        assertThatThrownBy(() -> planner.check(spec("nm", e -> e.granularity(Dsl.nm(2, 4)).scope(Dsl.layerwise()))))
                .hasMessageContaining("2:4 removes exactly 0.5").hasMessageContaining("step 1 aims at 0.3");
    }

    @Test
    void aRequirementTheModelCannotSupplyIsRefusedFromTheLoadersDescription() {
        var taylor = spec("taylor", e -> e.saliency("taylor"));
        assertThatThrownBy(() -> plan(taylor, LENET300)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("saliency 'taylor' requires ACTIVATION_GRADIENTS for 2_W (output layer)")
                .hasMessageContaining("Exclude 2_W");
        var excluded = spec("taylor", e -> e.saliency("taylor").scope(Map.of("exclude", List.of("2_W")), Dsl.global()));
        assertThat(plan(excluded, LENET300).inScope()).hasSize(2);
    }

    @Test
    void theSensitivityGroupsAndTheComparedLayersAreCheckedAgainstTheModel() {
        var sensitivity = experiment("li", e -> e.model(m -> m.train("lenet-5")).granularity(Dsl.filters()).scope(Dsl.layerwise())
                .sensitivity(s -> s.ratios(0.5)).schedule("one-shot", s -> s.target(0.5)));
        assertThat(plan(sensitivity, LENET5).probed()).extracting(p -> p.weights().toString()).containsExactly("0_W", "2_W", "4_W");
        var named = experiment("li", e -> e.model(m -> m.train("lenet-5")).granularity(Dsl.filters()).scope(Dsl.layerwise())
                .sensitivity(s -> s.ratios(0.5).layer("5_W")).schedule("one-shot", s -> s.target(0.5)));
        assertThatThrownBy(() -> plan(named, LENET5)).hasMessageContaining("sensitivity names layer 5_W")
                .hasMessageContaining("choose from [0_W, 2_W, 4_W]");
        var untrained = experiment("li", e -> e.model(m -> m.train("lenet-5")).granularity(Dsl.filters()).scope(Dsl.layerwise())
                .sensitivity(s -> s.ratios(0.5).recover(1000)).schedule("one-shot", s -> s.target(0.5))
                .finetune(Map.of("epochs", 0)));
        assertThatThrownBy(() -> plan(untrained, LENET5)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("sensitivity recover 1000").hasMessageContaining("finetune epochs: 0");
        var compare = experiment("cmp", e -> e.model(m -> m.train("lenet-300-100"))
                .compare(c -> c.criteria("magnitude").layer("7_W").granularity(Dsl.neurons())));
        assertThatThrownBy(() -> plan(compare, LENET300)).hasMessageContaining("compare names layer 7_W");
    }

    @Test
    void aSensitivityBudgetsRatiosBecomeAPerLayerScopeAndNewSteps() {
        var spec = experiment("li", e -> e.model(m -> m.train("lenet-5")).granularity(Dsl.filters())
                .scope(Dsl.fromSensitivity(Map.of("budget", Dsl.flops(0.3)))).schedule("iterative", s -> s.steps(2)));
        var before = plan(spec, LENET5);
        var ratios = new LinkedHashMap<String, Double>();
        ratios.put("0_W", 0.5);
        ratios.put("2_W", 0.0);
        ratios.put("4_W", 0.2);
        var after = planner.withRatios(before, ratios);
        assertThat(after.scope()).isInstanceOf(Scope.PerLayer.class);
        assertThat(after.inScope()).extracting(p -> p.weights().toString()).containsExactly("0_W", "4_W");
        assertThat(after.steps()).hasSize(2);
        assertThat(after.steps().get(1).perLayerTargets()).containsEntry(ParamRef.parse("0_W"), 0.5).containsEntry(ParamRef.parse("4_W"), 0.2);
        assertThat(after.denseWeights()).isEqualTo(before.denseWeights());
    }

    @Test
    void aBaselinePlansNoStepAndTagsNoPlugins() {
        var baseline = ExperimentBuilder.baseline("dense", e -> e.model(m -> m.train("lenet-300-100")));
        var plan = plan(baseline, LENET300);
        assertThat(plan.steps()).isEmpty();
        assertThat(plan.scheduleVersion()).isNull();
        assertThat(plan.tags().saliency()).isEqualTo("none");
        assertThat(plan.tags().schedule()).isEqualTo("none");
    }

    @Test
    void aScheduleThatFailsAnAssertOnARealSpecFailsThatRunNamingItWhileItsSmokeTestPassed(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("good.groovy"), PluginIsolationTest.GOOD);
        Files.writeString(dir.resolve("picky.groovy"), """
                class Picky implements PruningSchedule {
                    String id() { 'picky' }
                    String description() { 'refuses a target of 0.8 or more with an assert' }
                    List<ScheduleStep> plan(ScheduleSpec spec) {
                        assert spec.target() < 0.8 : 'no target of 0.8 or more'
                        (1..spec.steps()).collect { i -> new ScheduleStep(i, spec.target() * i / spec.steps(), spec.finetuneEpochs()) }
                    }
                }
                """);
        try (var host = PluginHost.start(List.of(dir))) {
            assertThat(host.failures()).isEmpty();
            var picky = new RunPlanner(host);
            var spec = experiment("picky", e -> e.model(m -> m.train("lenet-300-100")).saliency("good")
                    .schedule("picky", s -> s.target(0.9).steps(2)));
            assertThatThrownBy(() -> picky.check(spec)).isInstanceOf(PluginFailedException.class)
                    .hasMessageContaining("schedule 'picky' failed").hasMessageContaining("no target of 0.8 or more");
            var fine = experiment("fine", e -> e.model(m -> m.train("lenet-300-100")).saliency("good")
                    .schedule("picky", s -> s.target(0.5).steps(2)));
            assertThat(picky.check(fine).steps()).hasSize(2);
        }
    }
}
