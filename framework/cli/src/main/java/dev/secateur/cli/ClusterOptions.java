package dev.secateur.cli;

import dev.secateur.cluster.ClusterSettings;
import dev.secateur.errors.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** How to join the cluster: config/cluster.xml, with the cluster name, members and interface overridable here. */
final class ClusterOptions {

    @Option(names = "--cluster-config", paramLabel = "FILE",
            description = "Hazelcast's XML configuration (default: config/cluster.xml: loopback only, cluster 'secateur').")
    Path configFile;

    @Option(names = "--cluster-name", paramLabel = "NAME", description = "Join only the cluster of this name.")
    String name;

    @Option(names = "--members", paramLabel = "HOST[,HOST...]", split = ",",
            description = "The hosts (or host:port) to join by TCP-IP, such as 10.0.0.5,10.0.0.6 (default: 127.0.0.1).")
    List<String> members = new ArrayList<>();

    @Option(names = "--interface", paramLabel = "ADDRESS",
            description = "The address to bind, this machine's own (default: 127.0.0.1, reachable from this machine only).")
    String networkInterface;

    @Option(names = "--cluster-secret", paramLabel = "FILE",
            description = "The cluster's shared secret, mode 0600, the same file on every member (default: ~/.secateur/cluster.secret, "
                    + "made on first use).")
    Path secretFile;

    ClusterSettings settings() {
        Path file = configFile;
        if (file == null) {
            // the repository's copy, which a user edits; the jar holds the same file for an installation without it
            var repositoryCopy = Home.path().resolve("../../../../config/cluster.xml").normalize();
            file = Files.isRegularFile(repositoryCopy) ? repositoryCopy : null;
        }
        var settings = new ClusterSettings(file, name, members, networkInterface, secretFile);
        settings.hazelcast(); // a broken file is refused now, before plugins, models or the cluster start
        settings.secret(); // and so is a missing or readable secret
        return settings;
    }

    /** Without --cluster the cluster's flags would do nothing; say so rather than ignore them. Returns null. */
    ClusterSettings requireCluster() {
        if (configFile != null || name != null || !members.isEmpty() || networkInterface != null || secretFile != null) {
            throw new BadInputException("--cluster-config, --cluster-name, --members, --interface and --cluster-secret "
                    + "say how to join a cluster; add --cluster to join it, or leave them out to run on this JVM");
        }
        return null;
    }
}
