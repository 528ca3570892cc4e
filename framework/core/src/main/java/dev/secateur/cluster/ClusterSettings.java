package dev.secateur.cluster;

import com.hazelcast.config.ClassFilter;
import com.hazelcast.config.Config;
import com.hazelcast.config.InvalidConfigurationException;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.XmlConfigBuilder;
import dev.secateur.errors.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How a JVM joins Secateur's cluster: Hazelcast's XML configuration (config/cluster.xml, or the copy in the
 * jar), with the cluster name, the members to join and the interface to bind laid over it from flags. Whatever
 * the file says, multicast and auto-detection stay off and Hazelcast never phones home: a member joins only
 * the members it is told.
 *
 * @param configFile       a Hazelcast XML file; null for the one shipped as config/cluster.xml
 * @param name             the cluster name, or null for the file's
 * @param members          hosts (or host:port) to join by TCP-IP; empty for the file's
 * @param networkInterface the address to bind, such as 127.0.0.1 or 10.0.0.5; null for the file's
 * @param secretFile       the cluster's shared secret; null for ~/.secateur/cluster.secret, made on first use
 */
public record ClusterSettings(Path configFile, String name, List<String> members, String networkInterface, Path secretFile) {

    private static final String SHIPPED = "/dev/secateur/config/cluster.xml";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public ClusterSettings {
        members = members == null ? List.of() : List.copyOf(members);
        if (name != null && !NAME.matcher(name).matches()) {
            throw new BadInputException("--cluster-name '" + name + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        for (String member : members) {
            if (member.isBlank() || member.chars().anyMatch(Character::isWhitespace)) {
                throw new BadInputException("--members has an empty or spaced entry '" + member
                        + "'; give hosts separated by commas, such as 10.0.0.5,10.0.0.6");
            }
        }
        if (networkInterface != null) {
            checkInterface(networkInterface);
        }
    }

    /** With the secret in ~/.secateur/cluster.secret. */
    public ClusterSettings(Path configFile, String name, List<String> members, String networkInterface) {
        this(configFile, name, members, networkInterface, null);
    }

    /** The shipped configuration: loopback only, cluster "secateur". */
    public static ClusterSettings defaults() {
        return new ClusterSettings(null, null, List.of(), null);
    }

    /** The secret these settings name: a given file must exist; the default one is made on first use. */
    public ClusterSecret secret() {
        return secretFile == null ? ClusterSecret.loadOrCreate(ClusterSecret.defaultFile()) : ClusterSecret.load(secretFile);
    }

    /** Whether members bind the loopback interface only, so that no other host can reach them. */
    public boolean loopback() {
        return hazelcast().getNetworkConfig().getInterfaces().getInterfaces().stream().allMatch(ClusterSettings::isLoopback);
    }

    private static boolean isLoopback(String address) {
        if (address.contains("*") || address.contains("-")) {
            return false;
        }
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The Hazelcast configuration these settings describe; a bad file is refused naming it. */
    public Config hazelcast() {
        Config config = read();
        if (name != null) {
            config.setClusterName(name);
        }
        var join = config.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        if (!members.isEmpty()) {
            join.getTcpIpConfig().setMembers(members);
        }
        if (join.getTcpIpConfig().getMembers().isEmpty()) {
            join.getTcpIpConfig().addMember("127.0.0.1");
        }
        if (networkInterface != null) {
            config.getNetworkConfig().getInterfaces().setEnabled(true).setInterfaces(List.of(networkInterface));
        }
        if (!config.getNetworkConfig().getInterfaces().isEnabled()) {
            // unless told otherwise, a member is reachable from this machine only
            config.getNetworkConfig().getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
        }
        config.setProperty("hazelcast.phone.home.enabled", "false");
        // Hazelcast otherwise listens on every address of the machine, whatever interface it advertises
        config.setProperty("hazelcast.socket.bind.any", "false");
        if (config.getProperty("hazelcast.tcp.join.port.try.count") == null) {
            // members named without a port are looked for on 20 ports, past clusters of other names on the machine
            config.setProperty("hazelcast.tcp.join.port.try.count", "20");
        }
        String wait = System.getProperty("secateur.cluster.joinWaitSeconds");
        if (wait != null) {
            config.setProperty("hazelcast.wait.seconds.before.join", wait);
        }
        // nothing Hazelcast deserialises through Java serialisation may name a class outside this list: our values are
        // strings, and Vert.x's are DataSerializable, so this only leaves room for Hazelcast's own errors
        config.getSerializationConfig().setJavaSerializationFilterConfig(serializationFilter());
        // what Vert.x keeps in the cluster, whether or not a user's file declares it
        config.getMultiMapConfig("__vertx.subs").setBackupCount(1).setValueCollectionType(MultiMapConfig.ValueCollectionType.SET);
        return config;
    }

    /** The only classes Java serialisation may bring into this JVM from the cluster. */
    static JavaSerializationFilterConfig serializationFilter() {
        var allowed = new ClassFilter();
        allowed.addPrefixes("com.hazelcast.");
        // exceptions that Hazelcast sends back from another member, with their stack traces
        allowed.addClasses("java.lang.String", "java.lang.Long", "java.lang.Integer", "java.lang.Boolean",
                "java.lang.StackTraceElement", "[Ljava.lang.StackTraceElement;", "java.lang.Throwable", "java.lang.Exception",
                "java.lang.RuntimeException", "java.lang.IllegalStateException", "java.lang.IllegalArgumentException",
                "java.lang.SecurityException", "java.util.Collections$EmptyList", "java.util.Collections$UnmodifiableRandomAccessList",
                "java.util.Collections$UnmodifiableList", "java.util.ArrayList");
        return new JavaSerializationFilterConfig().setDefaultsDisabled(true).setWhitelist(allowed);
    }

    /** The address this member binds and advertises to the others, for Vert.x's event bus too. */
    public String bindAddress() {
        var interfaces = hazelcast().getNetworkConfig().getInterfaces().getInterfaces();
        String first = interfaces.iterator().next();
        // Hazelcast allows wildcards such as 10.0.*.*; Vert.x needs an address
        return first.contains("*") || first.contains("-") ? "0.0.0.0" : first;
    }

    /** Where these settings came from, for messages. */
    public String describe() {
        var config = hazelcast();
        return "cluster '" + config.getClusterName() + "', members " + config.getNetworkConfig().getJoin().getTcpIpConfig().getMembers()
                + ", interface " + config.getNetworkConfig().getInterfaces().getInterfaces()
                + " (" + (configFile == null ? "config/cluster.xml as shipped" : configFile.toString()) + ")";
    }

    private Config read() {
        if (configFile != null) {
            if (!Files.isRegularFile(configFile)) {
                throw new BadInputException("cluster configuration " + configFile + " does not exist; give a Hazelcast XML file "
                        + "such as config/cluster.xml, or leave --cluster-config out to use that one");
            }
            try (InputStream in = Files.newInputStream(configFile)) {
                return new XmlConfigBuilder(in).build();
            } catch (IOException | InvalidConfigurationException | IllegalArgumentException e) {
                throw new BadInputException("cluster configuration " + configFile + " is not a valid Hazelcast XML configuration: "
                        + firstLine(e) + "; start from config/cluster.xml");
            }
        }
        try (InputStream in = ClusterSettings.class.getResourceAsStream(SHIPPED)) {
            if (in == null) {
                throw new IllegalStateException(SHIPPED + " is missing from the jar; rebuild Secateur");
            }
            return new XmlConfigBuilder(in).build();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + SHIPPED + ": " + e.getMessage(), e);
        }
    }

    private static void checkInterface(String address) {
        if (address.contains("*") || address.contains("-")) {
            return; // a Hazelcast wildcard or range, checked by Hazelcast
        }
        try {
            var inet = InetAddress.getByName(address);
            if (!inet.isLoopbackAddress() && NetworkInterface.getByInetAddress(inet) == null) {
                throw new BadInputException("--interface " + address + " is not an address of this machine; give one of its "
                        + "addresses (ip -brief address lists them), or 127.0.0.1 for a cluster on this machine");
            }
        } catch (UnknownHostException e) {
            throw new BadInputException("--interface '" + address + "' is not an address; give one such as 127.0.0.1 or 10.0.0.5");
        } catch (SocketException e) {
            throw new BadInputException("--interface " + address + ": " + e.getMessage());
        }
    }

    private static String firstLine(Exception e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
