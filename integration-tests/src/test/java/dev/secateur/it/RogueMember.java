package dev.secateur.it;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.ByteArrayOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * An attacker's cluster member for {@link RogueMemberIT}, started as a JVM of its own: it knows Secateur's code and
 * the cluster's name, not its secret, and uses only Hazelcast's and Vert.x's public APIs. It joins under the
 * Hazelcast cluster name it is given, states itself a worker of capacity 8 in the map of workers (as plain JSON,
 * unsigned, as the code before the secret did), plants a Java object there too, answers any job with a forged
 * run (another run id, an entry that climbs out of the runs directory), and sends an unsigned experiment job to
 * every real worker it sees. It prints what happens, one line per event, and runs until killed.
 *
 * <p>Arguments: the Hazelcast cluster name to join.
 */
public final class RogueMember {

    /** A Java object to plant in the map of workers. */
    public record Planted(String command) implements Serializable {
    }

    private RogueMember() {
    }

    public static void main(String[] args) throws Exception {
        var config = new Config().setClusterName(args[0]);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.logging.type", "none");
        var join = config.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
        config.setProperty("hazelcast.tcp.join.port.try.count", "20");
        config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        String nodeId = UUID.randomUUID().toString();
        config.getMemberAttributeConfig().setAttribute("__vertx.nodeId", nodeId);
        HazelcastInstance hazelcast = Hazelcast.newHazelcastInstance(config);
        int members = hazelcast.getCluster().getMembers().size();
        say("rogue: members " + members);

        var vertx = Vertx.builder().with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1")))
                .withClusterManager(new HazelcastClusterManager(hazelcast)).buildClustered()
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        var bus = vertx.eventBus();
        bus.consumer("secateur.cluster." + nodeId + ".models", message -> {
            say("rogue: received a model");
            message.reply(new JsonObject().put("sha256", "0".repeat(64)));
        }).completion().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        bus.consumer("secateur.cluster." + nodeId + ".jobs", message -> {
            say("rogue: received a job");
            try {
                message.reply(new JsonObject().put("runId", "planted-run").put("archive", forgedArchive()).put("worker", "rogue"));
            } catch (Exception e) {
                message.fail(500, e.toString());
            }
        }).completion().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

        var workers = hazelcast.<String, Object>getMap("secateur.cluster.workers");
        for (String key : workers.keySet()) {
            var job = new JsonObject().put("type", "experiment").put("runId", "rogue-run").put("spec", new JsonObject())
                    .put("dataSha256", "0".repeat(64));
            bus.request("secateur.cluster." + key + ".jobs", job).onComplete(done -> say("rogue: unsigned job to worker "
                    + (done.succeeded() ? "ACCEPTED " + done.result().body() : "failed: " + done.cause().getMessage())));
        }
        workers.put(nodeId, new JsonObject().put("nodeId", nodeId).put("host", "rogue").put("capacity", 8)
                .put("pid", ProcessHandle.current().pid()).encode());
        workers.put("planted-" + nodeId, new Planted("touch /tmp/owned"));
        say("rogue: stated itself a worker as " + nodeId + " among " + members + " member(s)");
    }

    /** A run that claims another id and holds an entry that climbs out of the runs directory. */
    private static String forgedArchive() throws Exception {
        var bytes = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("../planted.txt"));
            zip.write("planted by a rogue member".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    private static void say(String line) {
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }
}
