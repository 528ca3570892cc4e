package dev.secateur.store;

/**
 * A reference to an object held in a {@link Store}. Messages on the local bus carry handles, never
 * tensor bytes.
 *
 * @param <T> the type of the object, for the compiler only
 */
public record Handle<T>(String kind, String id) {
    @Override
    public String toString() {
        return kind + ":" + id;
    }
}
