package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.plugin.PluginHost;
import dev.secateur.prune.MaskSet;
import dev.secateur.prune.Pruner;
import dev.secateur.model.NetworkLayout;
import dev.secateur.run.RunDirectory;
import dev.secateur.shrink.Shrinker;
import dev.secateur.shrink.SideBySide;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.nio.file.Path;

/** Plans a step's masks, persists them in the run directory, and applies them on request. */
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
            var current = masksOrNone(request.current());
            var plan = pruner.plan(request.params(), stores.scores().get(request.scores()), current,
                    request.granularity(), request.scope(), request.target(), request.provenance());
            Path maskDir = request.runDir() == null ? null : RunDirectory.open(request.runDir()).writePlan(plan);
            return new StageReply.Planned(stores.masks().put(MaskSet.of(plan.masks())), maskDir);
        });
        serve(Addresses.PRUNER_APPLY, StageRequest.Apply.class, request -> {
            var net = stores.models().get(request.model());
            var masks = stores.masks().get(request.masks());
            if (request.scores() != null) {
                var method = plugins.saliency(request.saliency().id());
                if (method.extension().compensates()) {
                    pruner.compensate(net, stores.scores().get(request.scores()), masksOrNone(request.previous()), masks,
                            method.extension(), request.saliency().options(), request.granularity(), request.seed());
                }
            }
            pruner.apply(net, masks);
            return new StageReply.Applied(request.model());
        });
        serve(Addresses.PRUNER_SHRINK, StageRequest.Shrink.class, request -> {
            var masked = stores.models().get(request.model());
            var shrunk = new Shrinker().shrink(masked);
            var masks = shrunk.slice(masksOrNone(request.masks()));
            var notes = new java.util.ArrayList<>(shrunk.keptWhole());
            if (request.measure()) {
                notes.addAll(SideBySide.measure(masked, shrunk.net()));
            }
            return new StageReply.Shrunk(stores.models().put(shrunk.net()), stores.masks().put(masks),
                    NetworkLayout.prunable(shrunk.net()), notes);
        });
        return Future.succeededFuture();
    }
}
