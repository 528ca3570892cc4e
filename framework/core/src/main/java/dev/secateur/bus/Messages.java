package dev.secateur.bus;

import io.vertx.core.eventbus.EventBus;
import java.util.ArrayList;
import java.util.List;

/** Registers the local codec for every message record, once per Vert.x instance. */
public final class Messages {

    /** The sealed families whose records travel on the bus. */
    private static final List<Class<?>> FAMILIES = List.of(StageRequest.class, StageReply.class, RecordRequest.class, RunEvent.class, PluginEvent.class);

    private Messages() {
    }

    /** Every concrete message class, taken from the sealed families so that none can be forgotten. */
    public static List<Class<?>> all() {
        var classes = new ArrayList<Class<?>>();
        for (var family : FAMILIES) {
            for (var type : family.getPermittedSubclasses()) {
                classes.add(type);
            }
        }
        return classes;
    }

    public static void registerCodecs(EventBus bus) {
        for (var type : all()) {
            register(bus, type);
        }
    }

    private static <T> void register(EventBus bus, Class<T> type) {
        bus.registerDefaultCodec(type, new LocalCodec<>(type));
    }
}
