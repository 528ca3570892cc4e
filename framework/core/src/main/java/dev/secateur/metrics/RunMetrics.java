package dev.secateur.metrics;

import static dev.secateur.metrics.MeterNames.*;

import dev.secateur.bus.RunEvent;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gauges of the latest step of each experiment: sparsity, per-layer sparsity, accuracy, loss, params and
 * FLOPs. They are fed by step-completed events and keep their last value after a run ends, so a
 * dashboard shows where each experiment finished.
 */
public final class RunMetrics implements MeterBinder {

    private MeterRegistry registry;
    /** Strong references: a gauge only holds its object weakly. */
    private final Map<Key, Value> values = new ConcurrentHashMap<>();
    private final Set<String> layers = ConcurrentHashMap.newKeySet();

    /** The gauges are registered per experiment as its steps complete, since experiment names are not known before. */
    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
    }

    public void onStepCompleted(RunEvent.StepCompleted event) {
        var r = event.result();
        var tags = Tags.of(TAG_EXPERIMENT, event.experiment(), TAG_SALIENCY, event.tags().saliency(),
                TAG_SCHEDULE, event.tags().schedule(), TAG_GRANULARITY, event.tags().granularity());
        set(SPARSITY, tags, UNIT_RATIO, "Fraction of prunable weights that are zero", r.sparsity());
        if (Double.isFinite(r.accuracy())) {
            set(EVAL_ACCURACY, tags, UNIT_RATIO, "Test accuracy after the latest step", r.accuracy());
            set(EVAL_LOSS, tags, null, "Mean test cross-entropy after the latest step", r.loss());
        }
        set(MODEL_PARAMS, tags.and(TAG_KIND, "total"), UNIT_PARAMS, "Parameters, total or nonzero", r.params());
        set(MODEL_PARAMS, tags.and(TAG_KIND, "nonzero"), UNIT_PARAMS, "Parameters, total or nonzero", r.nonzeroParams());
        set(MODEL_FLOPS, tags.and(TAG_KIND, "dense"), UNIT_FLOPS, "FLOPs per example, dense or counting nonzero weights only", r.flops());
        set(MODEL_FLOPS, tags.and(TAG_KIND, "effective"), UNIT_FLOPS, "FLOPs per example, dense or counting nonzero weights only", r.effectiveFlops());
        r.layerSparsity().forEach((ref, sparsity) -> {
            String layer = ref.toString();
            if (layers.contains(layer) || (layers.size() < MAX_LAYERS && layers.add(layer))) {
                set(LAYER_SPARSITY, tags.and(TAG_LAYER, layer), UNIT_RATIO, "Fraction of a weight tensor that is zero", sparsity);
            }
        });
    }

    private void set(String name, Tags tags, String unit, String description, double value) {
        values.computeIfAbsent(new Key(name, tags), key -> {
            var holder = new Value();
            Gauge.builder(name, holder, Value::get).tags(tags).baseUnit(unit).description(description).register(registry);
            return holder;
        }).set(value);
    }

    private record Key(String name, Tags tags) {
    }

    private static final class Value {
        private volatile double value = Double.NaN;

        double get() {
            return value;
        }

        void set(double v) {
            value = v;
        }
    }
}
