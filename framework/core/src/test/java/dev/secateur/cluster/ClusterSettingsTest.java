package dev.secateur.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a member joins: only the configured cluster, on loopback unless told otherwise, never by multicast. */
class ClusterSettingsTest {

    @TempDir
    Path dir;

    @Test
    void theShippedConfigurationBindsLoopbackJoinsByTcpIpAndNeverPhonesHome() {
        var config = ClusterSettings.defaults().hazelcast();
        assertThat(config.getClusterName()).isEqualTo("secateur");
        var network = config.getNetworkConfig();
        assertThat(network.getInterfaces().isEnabled()).isTrue();
        assertThat(network.getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
        assertThat(network.getJoin().getMulticastConfig().isEnabled()).isFalse();
        assertThat(network.getJoin().getAutoDetectionConfig().isEnabled()).isFalse();
        assertThat(network.getJoin().getTcpIpConfig().isEnabled()).isTrue();
        assertThat(network.getJoin().getTcpIpConfig().getMembers()).containsExactly("127.0.0.1");
        assertThat(config.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
        assertThat(config.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
        assertThat(ClusterSettings.defaults().bindAddress()).isEqualTo("127.0.0.1");
    }

    @Test
    void flagsOverrideTheFileAndAFileCannotTurnMulticastBackOn() throws Exception {
        var file = Files.writeString(dir.resolve("cluster.xml"), """
                <hazelcast xmlns="http://www.hazelcast.com/schema/config">
                  <cluster-name>from-file</cluster-name>
                  <network><join><multicast enabled="true"/></join></network>
                </hazelcast>
                """);
        var fromFile = new ClusterSettings(file, null, List.of(), null).hazelcast();
        assertThat(fromFile.getClusterName()).isEqualTo("from-file");
        assertThat(fromFile.getNetworkConfig().getJoin().getMulticastConfig().isEnabled()).isFalse();
        assertThat(fromFile.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
        assertThat(fromFile.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
        assertThat(fromFile.getProperty("hazelcast.tcp.join.port.try.count")).isEqualTo("20");
        var flagged = new ClusterSettings(file, "sweeps", List.of("127.0.0.1:5801", "localhost"), "127.0.0.1").hazelcast();
        assertThat(flagged.getClusterName()).isEqualTo("sweeps");
        assertThat(flagged.getNetworkConfig().getJoin().getTcpIpConfig().getMembers()).containsExactly("127.0.0.1:5801", "localhost");
    }

    @Test
    void badSettingsAreRefusedNamingWhatToChange() throws Exception {
        var broken = Files.writeString(dir.resolve("broken.xml"), "<hazelcast><network>");
        assertThatThrownBy(() -> new ClusterSettings(broken, null, List.of(), null).hazelcast())
                .isInstanceOf(BadInputException.class).hasMessageContaining("cluster configuration " + broken)
                .hasMessageContaining("start from config/cluster.xml");
        assertThatThrownBy(() -> new ClusterSettings(dir.resolve("missing.xml"), null, List.of(), null).hazelcast())
                .isInstanceOf(BadInputException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> new ClusterSettings(null, "two words", List.of(), null))
                .isInstanceOf(BadInputException.class).hasMessageContaining("--cluster-name 'two words'");
        assertThatThrownBy(() -> new ClusterSettings(null, null, List.of("10.0.0.5", " "), null))
                .isInstanceOf(BadInputException.class).hasMessageContaining("--members");
        // TEST-NET-1: never an address of this machine
        assertThatThrownBy(() -> new ClusterSettings(null, null, List.of(), "192.0.2.1"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("not an address of this machine");
    }
}
