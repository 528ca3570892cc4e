package dev.secateur.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault harness for spec.json: a process rewriting it is killed with SIGKILL at seeded moments, and what
 * it leaves is always one whole version, never a mix or a truncation.
 */
class TornSpecFaultTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path runs;

    @Test
    void aProcessKilledWhileItRewritesSpecJsonLeavesOneWholeVersion() throws Exception {
        var random = new Random(28);
        for (int kill = 0; kill < 6; kill++) {
            var dir = Files.createDirectories(runs.resolve("kill-" + kill));
            var process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                    SpecRewriter.class.getName(), dir.toString()).redirectErrorStream(true).start();
            try (var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null && !line.equals("writing")) {
                    // start-up lines
                }
                assertThat(line).as("the rewriter started").isEqualTo("writing");
                Thread.sleep(100 + random.nextInt(400));
                process.destroyForcibly();
                process.waitFor();
            }
            var spec = dir.resolve("torn").resolve(RunDirectory.SPEC);
            var json = JSON.readTree(spec.toFile()); // a torn file would not parse
            int version = json.path("version").asInt(-1);
            assertThat(version).as("kill %d", kill).isIn(0, 1);
            assertThat(json.path("padding").asText()).as("kill %d", kill)
                    .isEqualTo(String.valueOf((char) ('a' + version)).repeat(SpecRewriter.SIZE));
            try (var files = Files.list(spec.getParent())) {
                assertThat(files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".tmp")).toList())
                        .as("at most the one temporary file the kill interrupted").hasSizeLessThanOrEqualTo(1);
            }
        }
    }
}
