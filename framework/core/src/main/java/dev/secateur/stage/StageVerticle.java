package dev.secateur.stage;

import dev.secateur.bus.FailureCode;
import dev.secateur.metrics.StageMetrics;
import dev.secateur.model.MaskSet;
import dev.secateur.store.Handle;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import java.util.Locale;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stage: a worker verticle that binds a plain class to an address. It replies with the result or fails
 * the message with a {@link FailureCode} and the error's one-paragraph message, and times every request.
 */
abstract class StageVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(StageVerticle.class);

    private final String stage;
    private final StageMetrics timings;
    /** The objects every stage reaches by handle. */
    final Stores stores;
    final MeterRegistry registry;

    StageVerticle(String stage, Stores stores, MeterRegistry registry) {
        this.stage = stage;
        this.stores = stores;
        this.registry = registry;
        this.timings = new StageMetrics(stage);
        timings.bindTo(registry);
    }

    /** The masks a request names, or none: the first step of a run has no masks yet. */
    MaskSet masksOrNone(Handle<MaskSet> masks) {
        return masks == null ? MaskSet.NONE : stores.masks().get(masks);
    }

    /** Serves requests of one type on an address; the handler runs on this worker's thread and may block. */
    <Q> void serve(String address, Class<Q> type, Function<Q, Object> handler) {
        vertx.eventBus().<Q>consumer(address, message -> handle(message, type, handler));
    }

    private <Q> void handle(Message<Q> message, Class<Q> type, Function<Q, Object> handler) {
        long start = System.nanoTime();
        Object reply = null;
        Throwable failure = null;
        try {
            reply = handler.apply(type.cast(message.body()));
        } catch (Throwable error) {
            failure = error;
        }
        var code = failure == null ? null : FailureCode.of(failure);
        // the time is recorded before answering, so whoever gets the answer also sees the timer
        timings.record(System.nanoTime() - start, code == null ? "success" : code.name().toLowerCase(Locale.ROOT));
        if (failure == null) {
            message.reply(reply);
            return;
        }
        if (code == FailureCode.STAGE_FAILED) {
            LOG.error("{} failed on {}", stage, message.address(), failure);
        }
        message.fail(code.code(), FailureCode.messageOf(failure));
    }
}
