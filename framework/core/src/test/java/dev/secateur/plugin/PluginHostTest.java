package dev.secateur.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.Fixtures;
import dev.secateur.PluginJars;
import dev.secateur.errors.BadInputException;
import dev.secateur.spi.SaliencyMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginHostTest {

    @TempDir
    Path dir;

    private PluginHost host;

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
    }

    @Test
    void loadsTheBuiltInJarsEachInItsOwnClassLoaderWithTheSpiFromTheParent() {
        host = PluginHost.start(List.of(Fixtures.pluginsDir()));
        assertThat(host.installed()).extracting(InstalledPlugin::id)
                .containsExactly("activation", "magnitude", "obd", "obs", "oracle", "random", "sparsegpt", "taylor", "wanda", "agp", "iterative", "one-shot");
        assertThat(host.failures()).isEmpty();
        var magnitude = host.saliency("magnitude");
        var loader = magnitude.extension().getClass().getClassLoader();
        assertThat(loader).isNotSameAs(PluginHostTest.class.getClassLoader());
        assertThat(loader).isNotSameAs(host.saliency("random").extension().getClass().getClassLoader());
        // the SPI type seen by the plugin is the application's own
        assertThat(magnitude.extension()).isInstanceOf(SaliencyMethod.class);
        assertThat(magnitude.version()).isEqualTo("0.1.0-SNAPSHOT");
        assertThat(host.installed().get(1).source().getFileName().toString()).startsWith("secateur-plugin-magnitude");
    }

    @Test
    void everyLookupGivesAFreshInstance() {
        host = PluginHost.start(List.of(Fixtures.pluginsDir()));
        assertThat(host.schedule("agp").extension()).isNotSameAs(host.schedule("agp").extension());
    }

    @Test
    void unknownIdListsWhatIsInstalledAndTheClosestMatch() {
        host = PluginHost.start(List.of(Fixtures.pluginsDir()));
        assertThatThrownBy(() -> host.saliency("magnitud"))
                .isInstanceOf(BadInputException.class)
                .hasMessage("unknown saliency 'magnitud'; installed: activation, magnitude, obd, obs, oracle, random, sparsegpt, taylor, wanda (did you mean 'magnitude'?). "
                        + "'secateur plugins' lists what is installed");
        assertThatThrownBy(() -> host.schedule("gradual"))
                .hasMessageContaining("installed: agp, iterative, one-shot")
                .hasMessageNotContaining("did you mean");
    }

    @Test
    void aJarThatIsNotAPluginIsReportedAndTheOthersStillLoad() throws IOException {
        Files.copy(Fixtures.pluginsDir().resolve("secateur-plugin-random-0.1.0-SNAPSHOT.jar"), dir.resolve("random.jar"));
        try (var zip = new ZipOutputStream(Files.newOutputStream(dir.resolve("broken.jar")))) {
            zip.putNextEntry(new ZipEntry("nothing.txt"));
        }
        host = PluginHost.start(List.of(dir));
        assertThat(host.installed()).extracting(InstalledPlugin::id).containsExactly("random");
        assertThat(host.failures()).singleElement().asString().contains("broken.jar");
    }

    @Test
    void missingDirectoryIsBadInput() {
        assertThatThrownBy(() -> PluginHost.start(List.of(dir.resolve("none"))))
                .isInstanceOf(BadInputException.class).hasMessageContaining("plugin directory").hasMessageContaining("none");
    }

    @Test
    void anIdThatIsNotLowercaseLettersDigitsAndDashesIsRefusedAndTheOthersStillLoad() throws IOException {
        Files.copy(Fixtures.pluginsDir().resolve("secateur-plugin-random-0.1.0-SNAPSHOT.jar"), dir.resolve("random.jar"));
        var build = Files.createDirectories(dir.resolve("build"));
        Files.copy(PluginJars.build(build, "comma", "1.0", "test.comma.CommaSaliency",
                PluginJars.saliency("test.comma", "CommaSaliency", "my,saliency")), dir.resolve("comma.jar"));
        Files.copy(PluginJars.build(build, "upper", "1.0", "test.upper.UpperSaliency",
                PluginJars.saliency("test.upper", "UpperSaliency", "MySaliency")), dir.resolve("upper.jar"));
        Files.copy(PluginJars.build(build, "good", "1.0", "test.good.GoodSaliency",
                PluginJars.saliency("test.good", "GoodSaliency", "my-saliency-2")), dir.resolve("good.jar"));
        host = PluginHost.start(List.of(dir));
        assertThat(host.installed()).extracting(InstalledPlugin::id).containsExactly("my-saliency-2", "random");
        assertThat(host.failures()).hasSize(2);
        assertThat(host.failures()).anySatisfy(f -> assertThat(f).contains("comma.jar").contains("'my,saliency'")
                .contains("use lowercase letters, digits and dashes"));
        assertThat(host.failures()).anySatisfy(f -> assertThat(f).contains("upper.jar").contains("'MySaliency'"));
        assertThat(host.saliency("my-saliency-2").version()).isEqualTo("1.0");
    }
}
