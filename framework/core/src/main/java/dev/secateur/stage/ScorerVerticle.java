package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.cluster.JobDispatch;
import dev.secateur.config.SecateurConfig;
import dev.secateur.data.Calibration;
import dev.secateur.data.DataSplits;
import dev.secateur.model.PrunableParam;
import dev.secateur.plugin.PluginHost;
import dev.secateur.plugin.PluginPins;
import dev.secateur.plugin.PluginThread;
import dev.secateur.score.Comparison;
import dev.secateur.score.Scorer;
import dev.secateur.score.UnitLossSource;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.SaliencySpec;
import dev.secateur.spi.Granularity;
import dev.secateur.store.Handle;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;

/** Scores parameters with a saliency plugin looked up for this request. */
final class ScorerVerticle extends StageVerticle {

    private final PluginHost plugins;
    private final Scorer scorer;
    private final JobDispatch dispatch;
    private final PluginThread jobs = new PluginThread("secateur-scorer-job");

    ScorerVerticle(Stores stores, PluginHost plugins, Scorer scorer, MeterRegistry registry) {
        this(stores, plugins, scorer, registry, JobDispatch.local());
    }

    /** With the oracle's units measured where {@code dispatch} says: here, or one job per unit on the cluster. */
    ScorerVerticle(Stores stores, PluginHost plugins, Scorer scorer, MeterRegistry registry, JobDispatch dispatch) {
        super(SecateurConfig.SCORER, stores, registry);
        this.plugins = plugins;
        this.scorer = scorer;
        this.dispatch = dispatch;
    }

    private Scorer.Method method(SaliencySpec spec, PluginPins pins) {
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
        // under structured pruning, layers that share units (through residual adds, or a head's query, key and value) are
        // scored with their leader, unless the method's score of the leader is already the group's
        boolean followers = request.granularity() instanceof Granularity.Structured
                && !Scorer.scoresWholeGroups(Scorer.requirements(method));
        var params = followers ? PrunableParam.withFollowers(request.params()) : request.params();
        var scores = scorer.score(stores.models().get(request.model()), params, masksOrNone(request.masks()),
                method, request.granularity(), request.seed(), calibration,
                unitLosses(request.dataSpec(), request.data(), request.saliency().calibration(), request.seed()), request.targets());
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

    /** Where the oracle's units are measured; null tells the scorer to measure them itself. */
    private UnitLossSource unitLosses(DataSpec dataSpec, Handle<DataSplits> data, int calibration, long seed) {
        return dispatch.unitLosses(dataSpec, stores.data().get(data), calibration, seed, timeLimit(),
                "timeoutSeconds." + SecateurConfig.SCORER).orElse(null);
    }
}
