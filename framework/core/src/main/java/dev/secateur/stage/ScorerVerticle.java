package dev.secateur.stage;

import dev.secateur.data.Calibration;

import dev.secateur.config.SecateurConfig;

import dev.secateur.bus.Addresses;
import dev.secateur.cluster.JobDispatch;
import dev.secateur.data.DataSplits;
import dev.secateur.score.UnitLossSource;
import dev.secateur.spec.DataSpec;
import dev.secateur.store.Handle;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.plugin.PluginHost;
import dev.secateur.score.Comparison;
import dev.secateur.score.Scorer;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;

/** Scores parameters with a saliency plugin looked up for this request. */
final class ScorerVerticle extends StageVerticle {

    private final PluginHost plugins;
    private final Scorer scorer;
    private final JobDispatch jobs;

    ScorerVerticle(Stores stores, PluginHost plugins, Scorer scorer, MeterRegistry registry) {
        this(stores, plugins, scorer, registry, JobDispatch.local());
    }

    /** With the oracle's units measured where {@code jobs} says: here, or one job per unit on the cluster. */
    ScorerVerticle(Stores stores, PluginHost plugins, Scorer scorer, MeterRegistry registry, JobDispatch jobs) {
        super(SecateurConfig.SCORER, stores, registry);
        this.plugins = plugins;
        this.scorer = scorer;
        this.jobs = jobs;
    }

    private Scorer.Method method(dev.secateur.spec.SaliencySpec spec, dev.secateur.plugin.PluginPins pins) {
        var found = plugins.saliency(spec.id(), pins);
        return new Scorer.Method(found.extension(), found.version(), spec.options());
    }

    @Override
    public Future<?> start() {
        serve(Addresses.SCORER_SCORE, StageRequest.Score.class, request -> {
            var method = method(request.saliency(), request.pins());
            var calibration = Scorer.needsData(method.extension().requirements(method.options()))
                    ? Calibration.sample(stores.data().get(request.data()), request.saliency().calibration(), request.seed())
                    : null;
            // under structured pruning, layers that share units through residual adds are scored with their leader
            var params = request.granularity() instanceof dev.secateur.spi.Granularity.Structured
                    ? dev.secateur.model.PrunableParam.withFollowers(request.params()) : request.params();
            var scores = scorer.score(stores.models().get(request.model()), params, masksOrNone(request.masks()),
                    method, request.granularity(), request.seed(), calibration,
                    unitLosses(request.dataSpec(), request.data(), request.saliency().calibration(), request.seed()));
            return new StageReply.Scored(stores.scores().put(scores));
        });
        serve(Addresses.SCORER_COMPARE, StageRequest.Compare.class, request -> {
            var compare = request.compare();
            var criteria = compare.criteria().stream().map(c -> method(c, request.pins())).toList();
            var reference = method(compare.against(), request.pins());
            var calibration = Calibration.sample(stores.data().get(request.data()), request.calibration(), request.seed());
            var report = new Comparison(scorer).compare(stores.models().get(request.model()), request.params(), criteria,
                    reference, compare.granularity(), calibration, request.seed(),
                    unitLosses(request.dataSpec(), request.data(), request.calibration(), request.seed()));
            return new StageReply.Compared(report);
        });
        return Future.succeededFuture();
    }

    /** Where the oracle's units are measured; null tells the scorer to measure them itself. */
    private UnitLossSource unitLosses(DataSpec dataSpec, Handle<DataSplits> data, int calibration, long seed) {
        return jobs.unitLosses(dataSpec, stores.data().get(data), calibration, seed, timeLimit(),
                "timeoutSeconds." + SecateurConfig.SCORER).orElse(null);
    }
}
