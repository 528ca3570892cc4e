package dev.secateur.run;

import dev.secateur.store.Handle;
import dev.secateur.store.Stores;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The store handles one run holds, and anything else it must let go of when it ends (its plugin versions).
 * Each handle is released once: as soon as the run no longer needs it (the previous step's masks, the model
 * physical removal replaced), or when the run ends, however it ends. Used only on the coordinator's event loop.
 */
final class HeldHandles {

    private final Stores stores;
    private final Set<Handle<?>> held = new HashSet<>();
    private final List<Runnable> atEnd = new ArrayList<>();

    HeldHandles(Stores stores) {
        this.stores = stores;
    }

    <T> Handle<T> hold(Handle<T> handle) {
        held.add(handle);
        return handle;
    }

    void release(Handle<?> handle) {
        if (handle != null && held.remove(handle)) {
            stores.release(handle);
        }
    }

    /** Something to let go of when the run ends, after its handles. */
    void atEnd(Runnable release) {
        atEnd.add(release);
    }

    void releaseAll() {
        held.forEach(stores::release);
        held.clear();
        atEnd.forEach(Runnable::run);
        atEnd.clear();
    }
}
