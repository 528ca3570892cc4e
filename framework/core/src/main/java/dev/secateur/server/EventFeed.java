package dev.secateur.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.bus.Addresses;
import dev.secateur.bus.PluginEvent;
import dev.secateur.bus.RunEvent;
import dev.secateur.plugin.PluginHost;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The run and plugin events of this process, as the pages see them: each as one JSON object, streamed to
 * everyone following {@code /api/events}; the last plugin events kept for a page that opens later; and which
 * runs are live (started, not yet ended). It only listens to what the recorder and the watcher publish, so it
 * shows nothing the run directory or the plugin host lacks.
 */
final class EventFeed {

    private static final int KEPT_PLUGIN_EVENTS = 100;
    static final List<String> RUN_ADDRESSES = List.of(Addresses.RUN_STARTED, Addresses.RUN_STEP_COMPLETED, Addresses.RUN_DECIDED,
            Addresses.RUN_COMPLETED, Addresses.RUN_FAILED, Addresses.RUN_CANCELLED, Addresses.FINETUNER_PROGRESS);

    private final EventStreams streams;
    private final Clock clock;
    private final List<Submission.Listener> watchers = new CopyOnWriteArrayList<>();
    private final List<Consumer<RunEvent>> runHooks = new CopyOnWriteArrayList<>();
    private final Deque<String> pluginEvents = new ArrayDeque<>();
    private final Set<String> live = ConcurrentHashMap.newKeySet();

    EventFeed(Vertx vertx, EventStreams streams, Clock clock) {
        this.streams = streams;
        this.clock = clock;
        var bus = vertx.eventBus();
        for (String address : RUN_ADDRESSES) {
            bus.<RunEvent>consumer(address, message -> route(message.body()));
        }
        for (String address : List.of(Addresses.PLUGIN_RELOADED, Addresses.PLUGIN_RELOAD_FAILED)) {
            bus.<PluginEvent>consumer(address, message -> plugin(message.body()));
        }
    }

    /** What the plugin host starts with opens the reload history: every file loaded, every file refused. */
    static void announcePlugins(Vertx vertx, PluginHost plugins) {
        for (var change : plugins.current()) {
            var event = PluginEvent.of(change);
            vertx.eventBus().publish(event.address(), event);
        }
    }

    /** Something else to tell of every run event, before the followers of /api/events are. */
    void onRunEvent(Consumer<RunEvent> hook) {
        runHooks.add(hook);
    }

    /** A run event, as if it had come over the bus; for runs that end before the recorder ever hears of them. */
    void route(RunEvent event) {
        if (event instanceof RunEvent.RunStarted) {
            live.add(event.runId());
        } else if (ends(event)) {
            live.remove(event.runId());
        }
        runHooks.forEach(hook -> hook.accept(event));
        String json = runEvent(event);
        watchers.forEach(w -> w.event(json));
    }

    static boolean ends(RunEvent event) {
        return event instanceof RunEvent.RunCompleted || event instanceof RunEvent.RunFailed || event instanceof RunEvent.RunCancelled;
    }

    boolean isLive(String runId) {
        return live.contains(runId);
    }

    private void plugin(PluginEvent event) {
        ObjectNode node = HttpJson.JSON.valueToTree(event);
        node.put("type", "plugin-event");
        node.put("event", event.type());
        node.put("address", event.address());
        node.put("time", clock.instant().toString());
        String json = node.toString();
        synchronized (pluginEvents) {
            pluginEvents.addLast(json);
            while (pluginEvents.size() > KEPT_PLUGIN_EVENTS) {
                pluginEvents.removeFirst();
            }
        }
        watchers.forEach(w -> w.event(json));
    }

    /** The last plugin events, oldest first, as JSON objects. */
    List<String> pluginEvents() {
        synchronized (pluginEvents) {
            return new ArrayList<>(pluginEvents);
        }
    }

    /** A run event as one JSON object: {@code type} run-event, {@code event} its name, then its fields. */
    static String runEvent(RunEvent event) {
        ObjectNode node = HttpJson.JSON.createObjectNode();
        node.put("type", "run-event");
        node.put("event", event.type());
        node.setAll((ObjectNode) HttpJson.JSON.valueToTree(event));
        return node.toString();
    }

    /** {@code GET /api/events}: the kept plugin events, then every event as it happens. */
    void follow(RoutingContext ctx) {
        var holder = new AtomicReference<Submission.Listener>();
        streams.open(ctx, () -> watchers.remove(holder.get())).ifPresent(listener -> {
            holder.set(listener);
            // following first, then the kept ones: an event in between may come twice, never not at all
            watchers.add(listener);
            pluginEvents().forEach(listener::event);
        });
    }
}
