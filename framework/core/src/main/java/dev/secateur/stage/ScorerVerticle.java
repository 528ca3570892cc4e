package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.plugin.PluginHost;
import dev.secateur.score.Scorer;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;

/** Scores parameters with a saliency plugin looked up for this request. */
final class ScorerVerticle extends StageVerticle {

    private final PluginHost plugins;
    private final Scorer scorer;

    ScorerVerticle(Stores stores, PluginHost plugins, Scorer scorer, MeterRegistry registry) {
        super(SecateurConfig.SCORER, stores, registry);
        this.plugins = plugins;
        this.scorer = scorer;
    }

    @Override
    public Future<?> start() {
        serve(Addresses.SCORER_SCORE, StageRequest.Score.class, request -> {
            var method = plugins.saliency(request.saliency().id());
            var masks = masksOrNone(request.masks());
            var scores = scorer.score(stores.models().get(request.model()), request.params(), masks,
                    method.extension(), method.version(), request.saliency().options(), request.seed());
            return new StageReply.Scored(stores.scores().put(scores));
        });
        return Future.succeededFuture();
    }
}
