package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/secateur starts on every JDK installed under /usr/lib/jvm, whatever its version, and behind a wrapper script:
 * Java 24 and later refuse to start with the flag that lets Java 18 to 23 install the plugin exit guard, so the script
 * leaves it out there, and the archive of classes dumped by the build's Java is ignored by any other, silently.
 */
class JavaVersionsIT {

    private static final Pattern VERSION = Pattern.compile("^JAVA_VERSION=\"(\\d+)", Pattern.MULTILINE);

    @TempDir
    Path work;

    /**
     * The JDK running this test, and each JDK under /usr/lib/jvm with a release file, by real path, once; and a wrapper
     * script around the newest of them, as version managers install, whose version only the JDK itself can tell.
     */
    private List<Path> jdks() throws IOException {
        var jdks = new ArrayList<Path>();
        jdks.add(Path.of(System.getProperty("java.home")).toRealPath());
        if (Files.isDirectory(Path.of("/usr/lib/jvm"))) {
            try (Stream<Path> dirs = Files.list(Path.of("/usr/lib/jvm"))) {
                for (Path dir : dirs.toList()) {
                    Path real = dir.toRealPath();
                    if (Files.isRegularFile(real.resolve("release")) && Files.isExecutable(real.resolve("bin/java")) && !jdks.contains(real)) {
                        jdks.add(real);
                    }
                }
            }
        }
        Path newest = jdks.stream().max(Comparator.comparingInt(JavaVersionsIT::major)).orElseThrow();
        Path wrapper = Files.createDirectories(work.resolve("wrapped-jdk/bin")).resolve("java");
        Files.writeString(wrapper, "#!/bin/sh\nexec " + newest.resolve("bin/java") + " \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        jdks.add(wrapper.getParent().getParent());
        return jdks;
    }

    private static int major(Path jdk) {
        try {
            var matcher = VERSION.matcher(Files.readString(jdk.resolve("release")));
            assertThat(matcher.find()).as("JAVA_VERSION in %s/release", jdk).isTrue();
            return Integer.parseInt(matcher.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void everyInstalledJdkStartsTheCommandLineAndJava24AndLaterSayTheExitGuardIsUnavailable() throws Exception {
        var jdks = jdks();
        Path wrapped = jdks.get(jdks.size() - 1);
        int wrappedMajor = jdks.subList(0, jdks.size() - 1).stream().mapToInt(JavaVersionsIT::major).max().orElseThrow();
        for (Path jdk : jdks) {
            int major = jdk.equals(wrapped) ? wrappedMajor : major(jdk);
            var builder = Cli.builder(work, "plugins").redirectError(work.resolve("stderr.txt").toFile());
            builder.environment().put("JAVA_HOME", jdk.toString());
            var process = builder.start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
            String err = Files.readString(work.resolve("stderr.txt"));
            assertThat(process.exitValue()).as("bin/secateur plugins on Java %d (%s): %s", major, jdk, err).isZero();
            assertThat(out).as("on Java %d", major).contains("magnitude");
            // whichever Java dumped the archive, another one starts without it and says nothing about it
            assertThat(err).as("on Java %d (%s)", major, jdk).doesNotContainIgnoringCase("cds").doesNotContain("WARNING");
            if (major >= 24) {
                assertThat(err).as("on Java %d (%s)", major, jdk).contains("plugin exit guard unavailable");
            } else {
                assertThat(err).as("on Java %d (%s)", major, jdk).doesNotContain("exit guard unavailable");
            }
        }
    }
}
