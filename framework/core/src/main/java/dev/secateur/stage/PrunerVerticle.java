package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.config.SecateurConfig;
import dev.secateur.model.MaskSet;
import dev.secateur.model.NetworkLayout;
import dev.secateur.plugin.PluginHost;
import dev.secateur.prune.Pruner;
import dev.secateur.sensitivity.BudgetChoice;
import dev.secateur.shrink.RemovalFigure;
import dev.secateur.shrink.Shrinker;
import dev.secateur.shrink.SideBySide;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides what to remove and applies it: a step's masks, OBS's compensation, the per-layer ratios of a
 * sensitivity budget, and physical removal. It writes no file; the recorder does.
 */
final class PrunerVerticle extends StageVerticle {

    private final Pruner pruner;
    private final PluginHost plugins;

    PrunerVerticle(Stores stores, Pruner pruner, PluginHost plugins, MeterRegistry registry) {
        super(SecateurConfig.PRUNER, stores, registry);
        this.pruner = pruner;
        this.plugins = plugins;
    }

    @Override
    public Future<?> start() {
        serve(Addresses.PRUNER_PLAN, StageRequest.Plan.class, request -> {
            var plan = pruner.plan(request.params(), stores.scores().get(request.scores()), masksOrNone(request.current()),
                    request.granularity(), request.scope(), request.target(), request.provenance());
            return new StageReply.Planned(stores.masks().put(MaskSet.of(plan.masks())), plan.targetSparsity());
        });
        serve(Addresses.PRUNER_APPLY, StageRequest.Apply.class, request -> {
            var net = stores.models().get(request.model());
            var masks = stores.masks().get(request.masks());
            if (request.scores() != null) {
                var method = plugins.saliency(request.saliency().id(), request.pins());
                if (method.extension().compensates()) {
                    pruner.compensate(net, stores.scores().get(request.scores()), masksOrNone(request.previous()), masks,
                            method.extension(), request.saliency().options(), request.granularity(), request.seed());
                }
            }
            if (request.rewindTo() != null) {
                net.rewindTo(stores.models().get(request.rewindTo()));
            }
            pruner.apply(net, masks);
            return new StageReply.Applied(request.model());
        });
        serve(Addresses.PRUNER_BUDGET, StageRequest.Budget.class, request -> {
            var example = stores.data().get(request.data()).test().features().getRow(0, true).dup();
            var choice = BudgetChoice.choose(stores.models().get(request.model()), example, request.curves(), request.budget(),
                    request.granularity());
            return new StageReply.Budgeted(choice.ratios(), choice.units(), choice.lines());
        });
        serve(Addresses.PRUNER_SHRINK, StageRequest.Shrink.class, request -> {
            var masked = stores.models().get(request.model());
            var shrunk = new Shrinker().shrink(masked);
            var masks = shrunk.slice(masksOrNone(request.masks()));
            var notes = new ArrayList<>(shrunk.keptWhole());
            List<RemovalFigure> figures = List.of();
            if (request.measure()) {
                var measured = SideBySide.measure(masked, shrunk.net());
                notes.addAll(measured.lines());
                figures = measured.figures();
            }
            return new StageReply.Shrunk(stores.models().put(shrunk.net()), stores.masks().put(masks),
                    NetworkLayout.prunable(shrunk.net()), notes, figures);
        });
        return Future.succeededFuture();
    }
}
