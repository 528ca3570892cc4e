package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/secateur starts on every JDK installed under /usr/lib/jvm, whatever its version: Java 24 and later refuse to
 * start with the flag that lets Java 18 to 23 install the plugin exit guard, so the script leaves it out there, and
 * the archive of classes dumped by the build's Java is ignored by any other.
 */
class JavaVersionsIT {

    private static final Pattern VERSION = Pattern.compile("^JAVA_VERSION=\"(\\d+)", Pattern.MULTILINE);

    @TempDir
    Path work;

    /** Each JDK under /usr/lib/jvm with a release file, by its real path, once; the build's own Java among them. */
    private static List<Path> jdks() throws IOException {
        var jdks = new ArrayList<Path>();
        try (Stream<Path> dirs = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path dir : dirs.toList()) {
                Path real = dir.toRealPath();
                if (Files.isRegularFile(real.resolve("release")) && Files.isExecutable(real.resolve("bin/java")) && !jdks.contains(real)) {
                    jdks.add(real);
                }
            }
        }
        return jdks;
    }

    @Test
    void everyInstalledJdkStartsTheCommandLineAndJava24AndLaterSayTheExitGuardIsUnavailable() throws Exception {
        var jdks = jdks();
        assertThat(jdks).as("JDKs under /usr/lib/jvm").isNotEmpty();
        for (Path jdk : jdks) {
            var matcher = VERSION.matcher(Files.readString(jdk.resolve("release")));
            assertThat(matcher.find()).as("JAVA_VERSION in %s/release", jdk).isTrue();
            int major = Integer.parseInt(matcher.group(1));
            var builder = new ProcessBuilder(Cli.BIN.toString(), "plugins").directory(work.toFile());
            builder.environment().put("JAVA_HOME", jdk.toString());
            var process = builder.start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(process.exitValue()).as("bin/secateur plugins on Java %d (%s): %s", major, jdk, err).isZero();
            assertThat(out).as("on Java %d", major).contains("magnitude");
            if (major >= 24) {
                assertThat(err).as("on Java %d", major).contains("plugin exit guard unavailable");
            } else {
                assertThat(err).as("on Java %d", major).doesNotContain("exit guard unavailable").doesNotContain("cds");
            }
        }
    }
}
