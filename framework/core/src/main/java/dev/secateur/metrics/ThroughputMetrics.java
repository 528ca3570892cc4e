package dev.secateur.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The examples the stages process, as counters whose rates are the throughputs: {@code secateur.finetune.examples}
 * by phase ({@code baseline} training or {@code finetune} after a step) and {@code secateur.eval.examples}.
 */
public final class ThroughputMetrics implements MeterBinder {

    private MeterRegistry registry;
    private Counter evaluated;

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
        evaluated = Counter.builder(MeterNames.EVAL_EXAMPLES).baseUnit(MeterNames.UNIT_EXAMPLES)
                .description("Test examples evaluated; its rate is the evaluation throughput").register(registry);
    }

    /** Training examples processed in a phase, {@code baseline} or {@code finetune}. */
    public void trained(String phase, long examples) {
        Counter.builder(MeterNames.FINETUNE_EXAMPLES).baseUnit(MeterNames.UNIT_EXAMPLES)
                .description("Training examples processed; its rate is the training throughput")
                .tag(MeterNames.TAG_PHASE, phase).register(registry).increment(examples);
    }

    public void evaluated(long examples) {
        evaluated.increment(examples);
    }
}
