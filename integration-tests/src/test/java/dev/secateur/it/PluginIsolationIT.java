package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Misbehaving Groovy plugins in the plugin directory of a real {@code bin/secateur serve} and {@code run}: each
 * fails alone (listed with its file and why), the process starts and keeps serving, a good plugin still runs
 * experiments, a plugin that throws an Error mid-run fails only that run, and a plugin or script that tries
 * to end the process cannot. Without the protections the server would not start, or would exit.
 */
class PluginIsolationIT {

    private static final Duration RUN = Duration.ofMinutes(5);

    /** A saliency source with this id and score body. */
    private static String saliency(String id, String members) {
        String type = Arrays.stream(id.split("-")).map(w -> Character.toUpperCase(w.charAt(0)) + w.substring(1))
                .reduce("", String::concat);
        return """
                class %s implements SaliencyMethod {
                    String id() { '%s' }
                    String description() { 'a test criterion' }
                    Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                    %s
                }
                """.formatted(type, id, members.replace("TYPE", type));
    }

    /** Plugins that misbehave in their constructor or smoke test, by file name. */
    private static Map<String, String> bad() {
        var bad = new LinkedHashMap<String, String>();
        bad.put("asserting.groovy", saliency("asserting", "INDArray score(ParamView param, Options options) { assert param == null; null }"));
        bad.put("recursing.groovy", saliency("recursing", """
                int deeper(int n) { deeper(n + 1) + 1 }
                INDArray score(ParamView param, Options options) { deeper(0); null }"""));
        bad.put("exit-in-constructor.groovy", saliency("exit-in-constructor", """
                TYPE() { Runtime.runtime.exit(0) }
                INDArray score(ParamView param, Options options) { Transforms.abs(param.weights(), true) }"""));
        bad.put("exit-in-score.groovy", saliency("exit-in-score",
                "INDArray score(ParamView param, Options options) { Runtime.runtime.exit(0); null }"));
        bad.put("exit-by-reflection.groovy", saliency("exit-by-reflection", """
                INDArray score(ParamView param, Options options) {
                    Runtime.getMethod(['ha', 'lt'].join(''), int).invoke(Runtime.runtime, 3)
                    null
                }"""));
        bad.put("hanging.groovy", saliency("hanging", """
                INDArray score(ParamView param, Options options) {
                    while (true) { try { Thread.sleep(50) } catch (InterruptedException ignored) { } }
                }"""));
        return bad;
    }

    private static final String GOOD = saliency("good", "INDArray score(ParamView param, Options options) { Transforms.abs(param.weights(), true) }");

    /** Passes its smoke test (a 6x4 parameter), then fails an assert on a real layer. */
    private static final String ASSERTS_MID_RUN = saliency("asserts-mid-run", """
            INDArray score(ParamView param, Options options) {
                if (param.weights().length() <= 100) return Transforms.abs(param.weights(), true)
                assert param.weights().length() <= 100
                null
            }""");

    private static String experiment(String name, String saliency) {
        return """
                run(experiment('%s') {
                    seed 3
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 1000, test: 300)
                    saliency '%s'
                    schedule 'one-shot', target: 0.5
                    finetune epochs: 0
                    evaluate latencyRepeats: 2, latencyWarmup: 1, largeBatch: 0
                })
                """.formatted(name, saliency);
    }

    private static void writeAll(Path dir, Map<String, String> files) throws IOException {
        for (var file : files.entrySet()) {
            Files.writeString(dir.resolve(file.getKey()), file.getValue());
        }
    }

    /** The one line of {@code failures} about this file. */
    private static String failure(JsonNode listing, String file) {
        for (var line : listing.path("failures")) {
            if (line.asText().contains(file)) {
                return line.asText();
            }
        }
        throw new AssertionError(file + " is not among the failures: " + listing.path("failures"));
    }

    @Test
    void aServerWithMisbehavingPluginsStartsListsThemKeepsServingAndAPluginDroppedInLaterFailsAlone() throws Exception {
        var work = Files.createTempDirectory(Files.createDirectories(Path.of("target", "plugin-isolation-it")).toAbsolutePath(), "serve");
        var plugins = Files.createDirectories(work.resolve("plugins"));
        var runs = work.resolve("runs");
        writeAll(plugins, bad());
        Files.writeString(plugins.resolve("good.groovy"), GOOD);
        Files.writeString(plugins.resolve("asserts-mid-run.groovy"), ASSERTS_MID_RUN);

        try (var server = Server.start(work, runs, work.resolve("server.token"), "--plugins-dir", plugins.toString(),
                "--plugin-timeout", "5")) {
            var api = new Api(server);
            var listing = api.plugins();
            assertThat(listing.path("plugins").findValuesAsText("id")).contains("good", "asserts-mid-run", "magnitude")
                    .doesNotContainAnyElementsOf(List.of("asserting", "recursing", "exit-in-constructor", "exit-in-score",
                            "exit-by-reflection", "hanging"));
            assertThat(failure(listing, "asserting.groovy")).contains("saliency 'asserting'").contains("AssertionError");
            assertThat(failure(listing, "recursing.groovy")).contains("saliency 'recursing'").contains("StackOverflowError");
            assertThat(failure(listing, "exit-in-constructor.groovy")).contains("tried to end the process");
            assertThat(failure(listing, "exit-in-score.groovy")).contains("saliency 'exit-in-score'").contains("tried to end the process");
            assertThat(failure(listing, "exit-by-reflection.groovy")).contains("tried to end the process");
            assertThat(failure(listing, "hanging.groovy")).contains("saliency 'hanging'").contains("did not finish within 5 s");

            // a good plugin runs a real experiment through the server
            var good = api.awaitRun(api.submit("good.groovy", experiment("with-good", "good")));
            assertThat(good.path("status").asText()).as(good.toString()).isEqualTo("COMPLETED");

            // an Error in a plugin mid-run fails that run, with the plugin's name, and the next run goes on
            String failedId = api.submit("mid-run.groovy", experiment("asserts-mid-run", "asserts-mid-run"));
            var failed = api.awaitRun(failedId);
            assertThat(failed.path("status").asText()).isEqualTo("FAILED");
            assertThat(runs.resolve(failedId).resolve("FAILED")).content().contains("PLUGIN_FAILED").contains("'asserts-mid-run'")
                    .contains("AssertionError");

            // a plugin dropped in while the server runs fails alone too
            Files.writeString(plugins.resolve("late-exit.groovy"), saliency("late-exit", """
                    INDArray score(ParamView param, Options options) { Runtime.runtime.invokeMethod('ex' + 'it', 7); null }"""));
            Files.writeString(plugins.resolve("late-recursing.groovy"), bad().get("recursing.groovy").replace("Recursing", "LateRecursing")
                    .replace("'recursing'", "'late-recursing'"));
            var later = server.await("/api/plugins", p -> p.path("failures").toString().contains("late-exit.groovy")
                    && p.path("failures").toString().contains("late-recursing.groovy"), Duration.ofSeconds(60));
            assertThat(failure(later, "late-exit.groovy")).contains("saliency 'late-exit'").contains("tried to end the process");
            assertThat(failure(later, "late-recursing.groovy")).contains("StackOverflowError");

            // a submitted script cannot end the server either, however it spells the call
            var exiting = api.post("exit.groovy", "Runtime.runtime.exit(0)\n");
            assertThat(exiting.statusCode()).as(exiting.body()).isEqualTo(400);
            assertThat(exiting.body()).contains("exit.groovy:1").contains("tried to end the process");

            var after = api.awaitRun(api.submit("after.groovy", experiment("after-all-that", "good")));
            assertThat(after.path("status").asText()).as(after.toString()).isEqualTo("COMPLETED");
            assertThat(server.process.isAlive()).isTrue();
        }
    }

    @Test
    void runWithMisbehavingPluginsInTheDirectoryRunsAScriptThatDoesNotUseThem() throws Exception {
        var work = Files.createTempDirectory(Files.createDirectories(Path.of("target", "plugin-isolation-it")).toAbsolutePath(), "run");
        var plugins = Files.createDirectories(work.resolve("plugins"));
        var bad = bad();
        bad.keySet().retainAll(List.of("asserting.groovy", "recursing.groovy", "exit-in-constructor.groovy", "exit-in-score.groovy"));
        writeAll(plugins, bad);
        var script = Cli.script(work, "magnitude.groovy", experiment("magnitude-beside-bad-plugins", "magnitude"));
        var result = Cli.run(work, "run", script.toString(), "--plugins-dir", plugins.toString(), "--runs-dir",
                work.resolve("runs").toString(), "--no-progress");
        assertThat(result.exit()).as(result.err()).isZero();
        for (var file : bad.keySet()) {
            assertThat(result.err()).contains("plugin not loaded: " + plugins.resolve(file));
        }
        assertThat(result.err()).doesNotContain("WARNING: A terminally deprecated method");

        var exiting = Cli.script(work, "exit.groovy", "println 'before'\nRuntime.runtime.\"${'ex' + 'it'}\"(0)\nprintln 'after'\n");
        var refused = Cli.run(work, "run", exiting.toString(), "--runs-dir", work.resolve("runs").toString(), "--no-progress");
        assertThat(refused.exit()).as("bad input, not the script's 0").isEqualTo(2);
        assertThat(refused.err()).contains("exit.groovy:2").contains("tried to end the process");
        assertThat(refused.out()).contains("before").doesNotContain("after");
    }

    /** The server's HTTP API as this test uses it, in one place. */
    private record Api(Server server) {

        JsonNode plugins() throws IOException, InterruptedException {
            return server.getJson("/api/plugins");
        }

        /** Submits a script and returns its first run's id. */
        String submit(String name, String script) throws IOException, InterruptedException {
            return server.submit(name, script).path("runs").get(0).path("id").asText();
        }

        HttpResponse<String> post(String name, String script) throws IOException, InterruptedException {
            return server.post("/api/runs?name=" + name, "text/plain", script, server.token());
        }

        JsonNode awaitRun(String runId) {
            return server.awaitRun(runId, RUN, "COMPLETED", "FAILED", "CANCELLED");
        }
    }
}
