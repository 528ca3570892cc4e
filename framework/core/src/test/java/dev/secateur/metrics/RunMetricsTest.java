package dev.secateur.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.bus.RunEvent;
import dev.secateur.result.StepResult;
import dev.secateur.spi.ParamRef;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RunMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RunMetrics metrics = new RunMetrics();
    private final RunEvent.Tags tags = new RunEvent.Tags("magnitude", "iterative", "unstructured", "global");

    @org.junit.jupiter.api.BeforeEach
    void bind() {
        metrics.bindTo(registry);
    }

    private RunEvent.StepCompleted step(int layers, double sparsity, double accuracy) {
        var layerSparsity = new TreeMap<ParamRef, Double>();
        for (int i = 0; i < layers; i++) {
            layerSparsity.put(ParamRef.weights(i), sparsity);
        }
        return new RunEvent.StepCompleted("run-1", "exp", 3, new StepResult(1, 0.9, sparsity, accuracy, 0.4, 100, 10,
                1000, 100, 0.5, 100, layerSparsity, 256, 3.5), tags);
    }

    @Test
    void gaugesFollowTheLatestStepWithBoundedTags() {
        metrics.onStepCompleted(step(3, 0.5, 0.8));
        metrics.onStepCompleted(step(3, 0.9, 0.85));
        var sparsity = registry.get(MeterNames.SPARSITY).tag("experiment", "exp").tag("saliency", "magnitude")
                .tag("schedule", "iterative").tag("granularity", "unstructured").gauge();
        assertThat(sparsity.value()).isEqualTo(0.9);
        assertThat(sparsity.getId().getBaseUnit()).isEqualTo("ratio");
        assertThat(registry.get(MeterNames.EVAL_ACCURACY).gauge().value()).isEqualTo(0.85);
        assertThat(registry.get(MeterNames.MODEL_PARAMS).tag("kind", "nonzero").gauge().value()).isEqualTo(10);
        assertThat(registry.get(MeterNames.MODEL_FLOPS).tag("kind", "effective").gauge().value()).isEqualTo(100);
        assertThat(registry.get(MeterNames.LAYER_SPARSITY).tag("layer", "2_W").gauge().value()).isEqualTo(0.9);
    }

    @Test
    void unmeasuredAccuracyLeavesTheLastMeasuredValue() {
        metrics.onStepCompleted(step(1, 0.5, 0.8));
        metrics.onStepCompleted(step(1, 0.6, Double.NaN));
        assertThat(registry.get(MeterNames.EVAL_ACCURACY).gauge().value()).isEqualTo(0.8);
    }

    @Test
    void layerTagsAreCappedAt256() {
        metrics.onStepCompleted(step(300, 0.5, 0.8));
        assertThat(registry.find(MeterNames.LAYER_SPARSITY).gauges()).hasSize(MeterNames.MAX_LAYERS);
    }
}
