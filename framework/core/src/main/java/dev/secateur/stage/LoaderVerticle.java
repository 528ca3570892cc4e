package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.model.Loader;
import dev.secateur.model.ModelFiles;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;

/** Loads data and models into the stores, and saves models. */
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
            var data = loaded.data();
            return new StageReply.Loaded(stores.models().put(loaded.network()), stores.data().put(data),
                    loaded.params(), loaded.network().numParams(), data.source(), data.sha256(),
                    data.train().size(), data.test().size());
        });
        serve(Addresses.LOADER_SAVE, StageRequest.Save.class, request -> {
            ModelFiles.save(stores.models().get(request.model()), request.file());
            return new StageReply.Saved(request.file());
        });
        return Future.succeededFuture();
    }
}
