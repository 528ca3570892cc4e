package dev.secateur.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.concurrent.TimeUnit;

/**
 * {@code secateur.stage}: the time a stage takes to answer one request, tagged by stage and outcome
 * ({@code success} or a failure code in lower case), both from fixed sets.
 */
public final class StageMetrics implements MeterBinder {

    private final String stage;
    private MeterRegistry registry;

    public StageMetrics(String stage) {
        this.stage = stage;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registry = registry;
        timer("success");
    }

    /** Records one request; the outcome is "success" or a failure code such as "bad_input". */
    public void record(long nanos, String outcome) {
        timer(outcome).record(nanos, TimeUnit.NANOSECONDS);
    }

    private Timer timer(String outcome) {
        return Timer.builder(MeterNames.STAGE).description("Time a stage takes to answer one request")
                .tags(MeterNames.TAG_STAGE, stage, MeterNames.TAG_OUTCOME, outcome)
                .register(registry);
    }
}
