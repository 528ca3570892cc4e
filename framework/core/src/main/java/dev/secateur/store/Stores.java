package dev.secateur.store;

import dev.secateur.model.Network;
import dev.secateur.data.DataSplits;
import dev.secateur.model.MaskSet;
import dev.secateur.score.ScoreSet;
import java.util.List;

/**
 * Everything the stages of one JVM share by handle. The model store owns the networks; one stage works
 * on a model at a time, because the coordinator sends one request after another.
 */
public record Stores(Store<Network> models, Store<DataSplits> data, Store<MaskSet> masks,
                     Store<ScoreSet> scores) {

    public static Stores create() {
        return new Stores(new Store<>("model"), new Store<>("data"), new Store<>("masks"), new Store<>("scores"));
    }

    /** Releases a handle of any kind from the store that holds its kind. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void release(Handle<?> handle) {
        for (Store store : List.of(models, data, masks, scores)) {
            if (store.kind().equals(handle.kind())) {
                store.release(handle);
                return;
            }
        }
        throw new IllegalArgumentException("no store holds " + handle.kind() + " handles");
    }
}
