package dev.secateur.cluster;

import dev.secateur.record.RunArchive;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a worker sends back is checked before anything lands in the runs directory; a refused run leaves nothing. */
class RunArchiveTest {

    @TempDir
    Path runs;

    private static String zip(String name, byte[] content) throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry(name));
            zip.write(content);
            zip.closeEntry();
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    private void assertNothingWritten() throws IOException {
        try (Stream<Path> left = Files.walk(runs)) {
            assertThat(left.filter(p -> !p.equals(runs))).as("what a refused run left in " + runs).isEmpty();
        }
        assertThat(runs.getParent().resolve("escaped.txt")).doesNotExist();
    }

    @Test
    void aRunDirectoryComesBackWhole() throws Exception {
        var run = Files.createDirectories(runs.resolve("source/run-1"));
        Files.writeString(Files.createDirectories(run.resolve("checkpoints/step-1")).resolve("plan.json"), "{}");
        Files.writeString(run.resolve("spec.json"), "{\"experiment\":\"a\"}");
        RunArchive.unzip(RunArchive.zip(run), runs.resolve("back"));
        assertThat(runs.resolve("back/spec.json")).hasContent("{\"experiment\":\"a\"}");
        assertThat(runs.resolve("back/checkpoints/step-1/plan.json")).exists();
        assertThat(runs).isDirectoryNotContaining(p -> p.getFileName().toString().startsWith("."));
    }

    @Test
    void anEntryThatClimbsOutOrIsAbsoluteIsRefusedAndNothingIsWritten() throws Exception {
        for (String name : new String[]{"../escaped.txt", "a/../../escaped.txt", "/tmp/escaped.txt", "a\\..\\escaped.txt", "./x/"}) {
            assertThatThrownBy(() -> RunArchive.unzip(zip(name, "owned".getBytes(StandardCharsets.UTF_8)), runs.resolve("run-1")))
                    .as(name).isInstanceOf(BadInputException.class).hasMessageContaining(name);
            assertNothingWritten();
        }
    }

    @Test
    void anOversizeArchiveOrOneThatUnpacksPastTheBoundIsRefusedAndNothingIsWritten() throws Exception {
        // 10 MB of zeros compress to a few KB: the bound holds on what it unpacks to, not only on what crossed
        String bomb = zip("spec.json", new byte[10 << 20]);
        assertThat(bomb.length()).isLessThan(100_000);
        assertThatThrownBy(() -> RunArchive.unzip(bomb, runs.resolve("run-1"), 1 << 20))
                .hasMessageContaining("unpacks to more than 1048576 bytes");
        assertNothingWritten();
        assertThatThrownBy(() -> RunArchive.unzip(bomb, runs.resolve("run-1"), 1000)).hasMessageContaining("over the bound of 1000");
        assertNothingWritten();
        assertThatThrownBy(() -> RunArchive.unzip("%%% not base64", runs.resolve("run-1"))).hasMessageContaining("not base64");
        assertNothingWritten();
    }

    @Test
    void aRunSentBackUnderAnotherIdThanAskedIsRefusedAndNothingIsWritten() throws Exception {
        String archive = zip("spec.json", "{}".getBytes(StandardCharsets.UTF_8));
        var answer = new JsonObject().put("runId", "someone-elses-run").put("archive", archive).put("worker", "rogue/12345678");
        assertThatThrownBy(() -> ClusterSweep.receive(answer, runs, "dense", "dense-20261206-1"))
                .hasMessageContaining("sent back run 'someone-elses-run'").hasMessageContaining("asked to run as 'dense-20261206-1'");
        assertNothingWritten();

        var asked = new JsonObject().put("runId", "dense-20261206-1").put("archive", archive).put("worker", "w/12345678");
        assertThat(ClusterSweep.receive(asked, runs, "dense", "dense-20261206-1")).isEqualTo(runs.resolve("dense-20261206-1"));
        // the same run sent twice does not overwrite the first
        assertThatThrownBy(() -> ClusterSweep.receive(asked, runs, "dense", "dense-20261206-1")).hasMessageContaining("exists already");
    }
}
