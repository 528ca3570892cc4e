package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.config.SecateurConfig;
import dev.secateur.data.Calibration;
import dev.secateur.model.PrunableParam;
import dev.secateur.plugin.PluginHost;
import dev.secateur.plugin.PluginThread;
import dev.secateur.score.Comparison;
import dev.secateur.score.Scorer;
import dev.secateur.spi.Granularity;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;

/** Scores parameters with a saliency plugin looked up for this request. */
final class ScorerVerticle extends StageVerticle {

    private final PluginHost plugins;
    private final Scorer scorer;
    private final dev.secateur.cluster.ClusterJobs cluster;
    private final PluginThread jobs = new PluginThread("secateur-scorer-job");

    ScorerVerticle(Stores stores, PluginHost plugins, Scorer scorer, MeterRegistry registry) {
        this(stores, plugins, scorer, registry, null);
    }

    /** With an oracle's units measured on the cluster when {@code cluster} is not null. */
    ScorerVerticle(Stores stores, PluginHost plugins, Scorer scorer, MeterRegistry registry, dev.secateur.cluster.ClusterJobs cluster) {
        super(SecateurConfig.SCORER, stores, registry);
        this.plugins = plugins;
        this.scorer = scorer;
        this.cluster = cluster;
    }

    private Scorer.Method method(dev.secateur.spec.SaliencySpec spec, dev.secateur.plugin.PluginPins pins) {
        var found = plugins.saliency(spec.id(), pins);
        return new Scorer.Method(found.extension(), found.version(), spec.options());
    }

    @Override
    public Future<?> start() {
        // a job runs on a thread of its own: if a plugin ignores the stop, that thread is abandoned and the next
        // job runs on a fresh one, while this stage's own thread answers at once
        serve(Addresses.SCORER_SCORE, StageRequest.Score.class, request -> jobs.call("the scorer's job with saliency '"
                + request.saliency().id() + "'", null, () -> score(request)));
        serve(Addresses.SCORER_COMPARE, StageRequest.Compare.class, request -> jobs.call("the scorer's comparison of "
                + request.compare().criteria().stream().map(c -> "'" + c.id() + "'").toList(), null, () -> compare(request)));
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() throws Exception {
        jobs.close();
        return super.stop();
    }

    private StageReply.Scored score(StageRequest.Score request) {
        var method = method(request.saliency(), request.pins());
        var calibration = Scorer.needsData(Scorer.requirements(method))
                ? Calibration.sample(stores.data().get(request.data()), request.saliency().calibration(), request.seed())
                : null;
        // under structured pruning, layers that share units through residual adds are scored with their leader
        var params = request.granularity() instanceof Granularity.Structured
                ? PrunableParam.withFollowers(request.params()) : request.params();
        var scores = scorer.score(stores.models().get(request.model()), params, masksOrNone(request.masks()),
                method, request.granularity(), request.seed(), calibration,
                unitLosses(request.dataSpec(), request.data(), request.saliency().calibration(), request.seed()));
        return new StageReply.Scored(stores.scores().put(scores));
    }

    private StageReply.Compared compare(StageRequest.Compare request) {
        var compare = request.compare();
        var criteria = compare.criteria().stream().map(c -> method(c, request.pins())).toList();
        var reference = method(compare.against(), request.pins());
        var calibration = Calibration.sample(stores.data().get(request.data()), request.calibration(), request.seed());
        var report = new Comparison(scorer).compare(stores.models().get(request.model()), request.params(), criteria,
                reference, compare.granularity(), calibration, request.seed(),
                unitLosses(request.dataSpec(), request.data(), request.calibration(), request.seed()));
        return new StageReply.Compared(report);
    }

    /** In cluster mode, the oracle's units go to the workers, one per job; null measures them here. */
    private dev.secateur.score.UnitLossSource unitLosses(dev.secateur.spec.DataSpec dataSpec,
                                                        dev.secateur.store.Handle<dev.secateur.data.DataSplits> data,
                                                        int calibration, long seed) {
        return cluster == null || dataSpec == null ? null : new dev.secateur.cluster.ClusterUnitLosses(cluster, dataSpec,
                stores.data().get(data).sha256(), calibration, seed, timeLimit(), "timeoutSeconds." + SecateurConfig.SCORER);
    }
}
