package dev.secateur.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.bus.PluginEvent;
import dev.secateur.plugin.PluginChange;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Each group of meters in its binder, bound to a plain registry: names, base units, tags and values. */
class MeterBindersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void stageTimingsAreTaggedByStageAndOutcome() {
        var scorer = new StageMetrics("scorer");
        scorer.bindTo(registry);
        var success = registry.get(MeterNames.STAGE).tag(MeterNames.TAG_STAGE, "scorer").tag(MeterNames.TAG_OUTCOME, "success").timer();
        assertThat(success.count()).as("bound before any request, so a dashboard sees the stage").isZero();
        assertThat(success.getId().getDescription()).isNotBlank();

        scorer.record(TimeUnit.MILLISECONDS.toNanos(250), "success");
        scorer.record(TimeUnit.MILLISECONDS.toNanos(10), "bad_input");
        assertThat(success.count()).isEqualTo(1);
        assertThat(success.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(250.0);
        assertThat(registry.get(MeterNames.STAGE).tag(MeterNames.TAG_OUTCOME, "bad_input").timer().count()).isEqualTo(1);
    }

    @Test
    void pluginReloadsAreCountedByKindAndOutcomeFromZero() {
        var reloads = new PluginMetrics();
        reloads.bindTo(registry);
        assertThat(registry.get(MeterNames.PLUGIN_RELOADS).counters()).as("2 kinds x 4 outcomes, bound before any reload").hasSize(8)
                .allSatisfy(c -> assertThat(c.count()).isZero());
        reloads.changed(PluginEvent.of(new PluginChange(PluginChange.Kind.REPLACED, Path.of("a.jar"), "jar", List.of("a"), "2.0", null)));
        reloads.changed(PluginEvent.of(new PluginChange(PluginChange.Kind.FAILED, Path.of("b.groovy"), "groovy", List.of(), null,
                "b.groovy:3:1: oops")));
        assertThat(registry.get(MeterNames.PLUGIN_RELOADS).tag(MeterNames.TAG_KIND, "jar").tag(MeterNames.TAG_OUTCOME, "replaced")
                .counter().count()).isEqualTo(1);
        assertThat(registry.get(MeterNames.PLUGIN_RELOADS).tag(MeterNames.TAG_KIND, "groovy").tag(MeterNames.TAG_OUTCOME, "failed")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void throughputIsCountedInExamplesByPhase() {
        var throughput = new ThroughputMetrics();
        throughput.bindTo(registry);
        var evaluated = registry.get(MeterNames.EVAL_EXAMPLES).counter();
        assertThat(evaluated.getId().getBaseUnit()).isEqualTo(MeterNames.UNIT_EXAMPLES);
        throughput.evaluated(1000);
        throughput.trained("baseline", 640);
        throughput.trained("finetune", 64);
        throughput.trained("finetune", 64);
        assertThat(evaluated.count()).isEqualTo(1000);
        assertThat(registry.get(MeterNames.FINETUNE_EXAMPLES).tag(MeterNames.TAG_PHASE, "baseline").counter().count()).isEqualTo(640);
        assertThat(registry.get(MeterNames.FINETUNE_EXAMPLES).tag(MeterNames.TAG_PHASE, "finetune").counter().count()).isEqualTo(128);
    }

    @Test
    void twoBindersOfOneGroupShareTheirMeters() {
        // the fine-tuner and the evaluator each bind throughput meters; the registry holds one of each
        new ThroughputMetrics().bindTo(registry);
        var second = new ThroughputMetrics();
        second.bindTo(registry);
        second.evaluated(5);
        assertThat(registry.find(MeterNames.EVAL_EXAMPLES).counters()).singleElement()
                .satisfies(c -> assertThat(c.count()).isEqualTo(5));
    }
}
