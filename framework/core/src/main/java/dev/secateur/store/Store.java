package dev.secateur.store;

import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Owns objects of one kind by handle, so that stages pass handles and not the objects themselves. */
public final class Store<T> {

    private final String kind;
    private final Map<String, T> entries = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong();

    public Store(String kind) {
        this.kind = kind;
    }

    public Handle<T> put(T value) {
        var handle = new Handle<T>(kind, kind + "-" + next.incrementAndGet());
        entries.put(handle.id(), value);
        return handle;
    }

    public T get(Handle<T> handle) {
        T value = entries.get(check(handle).id());
        if (value == null) {
            throw new NoSuchElementException(handle + " is not held (never stored, or already released)");
        }
        return value;
    }

    public void release(Handle<T> handle) {
        if (handle != null) {
            entries.remove(check(handle).id());
        }
    }

    String kind() {
        return kind;
    }

    public int size() {
        return entries.size();
    }

    private <H extends Handle<?>> H check(H handle) {
        if (!kind.equals(handle.kind())) {
            throw new IllegalArgumentException("a " + handle.kind() + " handle was given to the " + kind + " store");
        }
        return handle;
    }
}
