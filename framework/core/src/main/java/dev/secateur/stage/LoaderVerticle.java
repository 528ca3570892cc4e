package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.config.SecateurConfig;
import dev.secateur.model.Loader;
import dev.secateur.model.ModelFiles;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.record.Checkpoints;
import dev.secateur.score.Capabilities;
import dev.secateur.shrink.ExplainPlan;
import dev.secateur.store.Handle;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads data and models into the stores. Its reply tells the coordinator what it needs to know about the
 * network (its unit groups, what the scorer can gather for it), so the coordinator never holds one.
 */
final class LoaderVerticle extends StageVerticle {

    private final Loader loader;

    LoaderVerticle(Stores stores, Loader loader, MeterRegistry registry) {
        super(SecateurConfig.LOADER, stores, registry);
        this.loader = loader;
    }

    @Override
    public Future<?> start() {
        serve(Addresses.LOADER_LOAD, StageRequest.Load.class, request -> {
            var loaded = loader.load(request.model(), request.data(), request.seed());
            var net = loaded.network();
            if (request.exportOnnx()) {
                Loader.checkExportable(net);
            }
            var data = loaded.data();
            return new StageReply.Loaded(stores.models().put(net), stores.data().put(data), loaded.params(),
                    NetworkLayout.groups(net), Capabilities.of(net, loaded.params()), net.numParams(), data.source(),
                    data.sha256(), data.train().size(), data.test().size(), data.details());
        });
        serve(Addresses.LOADER_RESTORE, StageRequest.Restore.class, request -> {
            var latest = Checkpoints.latest(request.runDir());
            if (latest.isEmpty()) {
                // stopped before its dense model was evaluated: it starts again, in its own directory
                return new StageReply.Restored(null, null, -1, List.of(), Map.of(), Map.of());
            }
            var checkpoint = latest.get();
            var net = ModelFiles.load(checkpoint.model());
            var masks = Checkpoints.masks(checkpoint);
            var networks = new LinkedHashMap<String, Handle<Network>>();
            checkpoint.networks().forEach((role, file) -> networks.put(role, stores.models().put(ModelFiles.load(file))));
            return new StageReply.Restored(stores.models().put(net), masks.isEmpty() ? null : stores.masks().put(masks),
                    checkpoint.step(), checkpoint.results(), checkpoint.ratios(), networks);
        });
        serve(Addresses.LOADER_COPY, StageRequest.Copy.class,
                request -> new StageReply.Copied(stores.models().put(stores.models().get(request.model()).copy())));
        serve(Addresses.LOADER_EXPLAIN, StageRequest.Explain.class, request -> {
            var spec = request.spec();
            var loaded = loader.load(spec.model(), spec.data(), spec.seed());
            var example = loaded.data().test().features().getRow(0, true).dup();
            return new StageReply.Explained(ExplainPlan.explain(spec, loaded.network(), example));
        });
        return Future.succeededFuture();
    }
}
