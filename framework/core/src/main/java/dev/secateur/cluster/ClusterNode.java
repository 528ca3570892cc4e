package dev.secateur.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.secateur.errors.BadInputException;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * This JVM as a member of Secateur's cluster: a Hazelcast member and a clustered Vert.x on top of it. It is a
 * Vert.x of its own, beside the local one the stages use, so nothing of a run's own traffic (handles passed by
 * reference through the local codec) can ever be routed to another JVM; only the cluster's jobs travel here.
 */
public final class ClusterNode implements AutoCloseable {

    private final HazelcastInstance hazelcast;
    private final Vertx vertx;
    private final ClusterSettings settings;
    private final String nodeId;
    private final String clusterName;
    private final Signatures signatures;
    /** The member attribute vertx-hazelcast reads a member's node id from. */
    private static final String NODE_ID = "__vertx.nodeId";

    private ClusterNode(HazelcastInstance hazelcast, Vertx vertx, ClusterSettings settings, String nodeId, String clusterName,
                        Signatures signatures) {
        this.nodeId = nodeId;
        this.clusterName = clusterName;
        this.signatures = signatures;
        this.hazelcast = hazelcast;
        this.vertx = vertx;
        this.settings = settings;
    }

    /**
     * Joins the cluster (or starts it, as its first member) and waits until Vert.x's event bus is up. Hazelcast sees
     * a cluster name derived from the secret, so a JVM without it forms a cluster of its own instead of joining.
     */
    public static ClusterNode join(ClusterSettings settings) {
        var secret = settings.secret();
        var config = settings.hazelcast();
        String clusterName = config.getClusterName();
        config.setClusterName(secret.hazelcastName(clusterName));
        // off loopback, the event bus speaks TLS with client certificates: only holders of the secret's key pair connect
        var tls = !settings.loopback() || Boolean.getBoolean("secateur.cluster.tls") ? BusTls.of(secret) : null;
        // Vert.x names members by this attribute, which it sets itself only on an instance it creates
        String nodeId = UUID.randomUUID().toString();
        config.getMemberAttributeConfig().setAttribute(NODE_ID, nodeId);
        HazelcastInstance hazelcast;
        try {
            hazelcast = Hazelcast.newHazelcastInstance(config);
        } catch (RuntimeException e) {
            throw new BadInputException("cannot join " + settings.describe() + ": " + e.getMessage()
                    + "; check the interface is this machine's and the port range is free");
        }
        String host = settings.bindAddress();
        // the event bus's own port: any free one, unless a firewall between hosts needs to know it
        int busPort = Integer.getInteger("secateur.cluster.busPort", 0);
        var bus = new EventBusOptions().setHost(host).setPort(busPort)
                .setClusterPublicHost(host.equals("0.0.0.0") ? hazelcast.getCluster().getLocalMember().getAddress().getHost() : host);
        if (tls != null) {
            tls.apply(bus);
        }
        var options = new VertxOptions().setEventBusOptions(bus);
        try {
            var vertx = Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hazelcast)).buildClustered()
                    .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            return new ClusterNode(hazelcast, vertx, settings, nodeId, clusterName, new Signatures(secret));
        } catch (Exception e) {
            hazelcast.shutdown();
            throw new IllegalStateException("the clustered event bus did not start on " + host + ": " + e.getMessage(), e);
        }
    }

    public Vertx vertx() {
        return vertx;
    }

    HazelcastInstance hazelcast() {
        return hazelcast;
    }

    public ClusterSettings settings() {
        return settings;
    }

    /** This member's id: Vert.x's node id, also a Hazelcast member attribute, so membership events name it. */
    public String nodeId() {
        return nodeId;
    }

    /** The ids of the members now in the cluster. */
    public Set<String> members() {
        return hazelcast.getCluster().getMembers().stream().map(m -> m.getAttribute(NODE_ID)).filter(Objects::nonNull)
                .collect(Collectors.toSet());
    }

    /** The cluster's name as the user gave it (Hazelcast sees one derived from the secret). */
    public String clusterName() {
        return clusterName;
    }

    /** Signs and checks this member's messages with the cluster's secret. */
    public Signatures signatures() {
        return signatures;
    }

    /** Calls {@code left} with a member's id when it leaves or is declared dead (a killed JVM misses its heartbeats). */
    public void onMemberLeft(Consumer<String> left) {
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                String id = event.getMember().getAttribute(NODE_ID);
                if (id != null) {
                    left.accept(id);
                }
            }
        });
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // leaving is best effort; the members notice a missing one anyway
        } finally {
            if (hazelcast.getLifecycleService().isRunning()) {
                hazelcast.shutdown();
            }
        }
    }
}
