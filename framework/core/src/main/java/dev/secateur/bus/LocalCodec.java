package dev.secateur.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes a message object by reference inside one JVM: nothing is copied or serialised. Messages are
 * immutable records that carry handles, never tensors. Crossing the wire is refused; cluster mode has
 * its own codecs.
 */
public final class LocalCodec<T> implements MessageCodec<T, T> {

    private final Class<T> type;

    public LocalCodec(Class<T> type) {
        this.type = type;
    }

    @Override
    public void encodeToWire(Buffer buffer, T message) {
        throw new UnsupportedOperationException(type.getName() + " is local-only and cannot be sent to another JVM");
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
        throw new UnsupportedOperationException(type.getName() + " is local-only and cannot be received from another JVM");
    }

    @Override
    public T transform(T message) {
        return message;
    }

    @Override
    public String name() {
        return "local:" + type.getName();
    }

    @Override
    public byte systemCodecID() {
        return -1;
    }
}
