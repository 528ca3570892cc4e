package dev.secateur.cli;

import dev.secateur.cluster.ClusterJobs;
import dev.secateur.cluster.ClusterNode;
import dev.secateur.cluster.ClusterSettings;
import dev.secateur.cluster.HostTimingLock;
import dev.secateur.evaluate.TimedSection;
import java.io.PrintWriter;

/** run --cluster and serve --cluster: this JVM as the cluster's coordinator, for as long as the command runs. */
final class Coordinator implements AutoCloseable {

    private final ClusterNode node;
    private final ClusterJobs jobs;
    private final PrintWriter out;

    private Coordinator(ClusterNode node, PrintWriter out) {
        this.node = node;
        this.jobs = new ClusterJobs(node);
        this.out = out;
    }

    static Coordinator join(ClusterSettings settings, PrintWriter out) {
        var coordinator = new Coordinator(ClusterNode.join(settings), out);
        // this JVM's own timings (a run's evaluations) take turns with the workers' on this machine
        TimedSection.install(new HostTimingLock(HostTimingLock.DEFAULT));
        out.println("cluster: coordinating " + settings.describe() + "; " + coordinator.node.members().size() + " member(s) now");
        out.flush();
        return coordinator;
    }

    ClusterJobs jobs() {
        return jobs;
    }

    /** Says what crossed to each worker, then leaves the cluster. */
    @Override
    public void close() {
        jobs.summary().forEach(out::println);
        out.flush();
        node.close();
    }
}
