package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.PluginJars;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code bin/secateur serve} in its own JVM, driven over HTTP and by {@code bin/secateur submit} as a user
 * would: loopback only, the token, the same results as {@code run}, plugins hot-reloaded while a run is in
 * flight (jars and Groovy sources), a plugin made with the kit, and cancel.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServeIT {

    private static final Duration RUN = Duration.ofMinutes(4);

    /** One server for the whole class; its directory is kept for a look when a test fails, under target/. */
    private Path work;

    private Path runs;
    private Path plugins;
    private Server server;

    @BeforeAll
    void start() throws Exception {
        work = Files.createDirectories(Path.of("target", "serve-it")).toAbsolutePath();
        work = Files.createTempDirectory(work, "server");
        runs = work.resolve("runs");
        plugins = Files.createDirectories(work.resolve("plugins"));
        installJar("hot", "1.0", "Transforms.abs(param.weights(), true)");
        server = Server.start(work, runs, work.resolve("server.token"), "--plugins-dir", plugins.toString());
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
            assertThat(server.tokenFile).as("a server stopped with SIGTERM removes its token").doesNotExist();
        }
    }

    /** A jar whose saliency {@code id} scores with a Java expression over {@code param}, moved into the plugin directory whole. */
    private void installJar(String id, String version, String score) throws IOException {
        var build = Files.createTempDirectory(work, "build");
        String cls = "Hot" + version.replace(".", "");
        var jar = PluginJars.build(build, id, version, "test." + id + "." + cls, PluginJars.saliency("test." + id, cls, id, score));
        var staged = Files.copy(jar, plugins.resolve(id + ".jar.part"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, plugins.resolve(id + ".jar"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String experiment(String name, String saliency, String schedule, int finetune) {
        return """
                run(experiment('%s') {
                    seed 5
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 2000, test: 500)
                    saliency '%s'
                    scope layerwise(), exclude: ['2_W']
                    %s
                    finetune epochs: %d
                    evaluate latencyRepeats: 3, latencyWarmup: 1, largeBatch: 0
                })
                """.formatted(name, saliency, schedule, finetune);
    }

    private static String runId(JsonNode submitted, int index) {
        return submitted.path("runs").get(index).path("id").asText();
    }

    private JsonNode completed(String runId) {
        var run = server.awaitRun(runId, RUN, "COMPLETED", "FAILED", "CANCELLED");
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("COMPLETED");
        return run;
    }

    private static double accuracy(JsonNode run) {
        var rows = run.path("results");
        return rows.get(rows.size() - 1).path("accuracy").asDouble();
    }

    @Test
    @Order(1)
    void itListensOnLoopbackOnlyAndRefusesAMutationWithoutTheToken() throws Exception {
        // the kernel's table of listening sockets: the server's port is bound to 127.0.0.1 and nothing else
        var hexPort = String.format(Locale.ROOT, ":%04X ", server.port);
        var listening = new ArrayList<String>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            if (Files.exists(Path.of(table))) {
                Files.readAllLines(Path.of(table)).stream().skip(1).map(String::trim)
                        .filter(l -> l.split("\\s+")[1].endsWith(hexPort.trim()) && l.split("\\s+")[3].equals("0A"))
                        .forEach(l -> listening.add(l.split("\\s+")[1]));
            }
        }
        // a dual-stack JVM socket shows 127.0.0.1 as the IPv4-mapped ::ffff:127.0.0.1; both forms are loopback only
        var loopback = List.of("0100007F" + hexPort.trim(), "0000000000000000FFFF00000100007F" + hexPort.trim());
        assertThat(listening).as("listening sockets on the server's port").hasSize(1);
        assertThat(loopback).as("listening sockets on the server's port").contains(listening.get(0));
        assertThat(Files.getPosixFilePermissions(server.tokenFile))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

        var noToken = server.post("/api/runs", "text/plain", "println 'hello'", null);
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(noToken.body()).contains("API token").contains(server.tokenFile.toString());
        assertThat(server.post("/api/runs", "text/plain", "println 'hello'", "not-the-token").statusCode()).isEqualTo(401);
        assertThat(server.delete("/api/runs/anything", null).statusCode()).isEqualTo(401);
        for (String read : List.of("/", "/api/runs", "/api/events", "/api/plugins", "/metrics")) {
            assertThat(server.getWithoutToken(read).statusCode()).as("GET %s without the token: reads need it too", read).isEqualTo(401);
        }
        assertThat(noToken.headers().firstValue("access-control-allow-origin")).isEmpty();
        assertThat(runs).as("nothing ran").doesNotExist();
    }

    @Test
    @Order(2)
    void badRequestsGetTheMessageTheCliPrintsAndTheServerKeepsServing() throws Exception {
        var token = server.token();
        var malformed = server.post("/api/runs", "application/json", "{\"script\": ", token);
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).contains("not a JSON object");
        var syntax = server.post("/api/runs", "application/json",
                "{\"name\": \"broken.groovy\", \"script\": \"run(experiment('x') {\\n  model { train 'lenet-5' \\n\"}", token);
        assertThat(syntax.statusCode()).isEqualTo(400);
        assertThat(Server.JSON.readTree(syntax.body()).path("error").asText()).startsWith("broken.groovy:").contains("fix the script");
        var perLayer = server.post("/api/runs", "text/plain?", """
                experiment('x') {
                    model { train 'lenet-300-100' }
                    scope perLayer('0_W': 0.5)
                    schedule 'one-shot', target: 0.5
                }
                """, token);
        assertThat(perLayer.statusCode()).isEqualTo(400);
        assertThat(perLayer.body()).contains("takes no target");
        var typo = server.post("/api/runs?name=typo.groovy", "text/plain", experiment("typo", "magnitud", "schedule 'one-shot', target: 0.5", 0),
                token);
        assertThat(typo.statusCode()).as("a plugin id is checked at submit time").isEqualTo(400);
        assertThat(typo.body()).contains("did you mean 'magnitude'").contains("(at typo.groovy:5)");
        var failsAtOnce = server.post("/api/runs?name=npe.groovy", "text/plain", "def model = null\nprintln model.layers", token);
        assertThat(failsAtOnce.statusCode()).as("a script that fails before any experiment").isEqualTo(400);
        // the script's own mistake, at its line, as bin/secateur run reports it
        assertThat(failsAtOnce.body()).contains("npe.groovy:2: the script threw java.lang.NullPointerException")
                .contains("layers").contains("\"code\":\"BAD_INPUT\"");
        var oddName = server.post("/api/runs", "application/json", "{\"script\": \"println 'hi'\", \"name\": 5}", token);
        assertThat(oddName.statusCode()).as(oddName.body()).isEqualTo(202);
        assertThat(server.post("/api/runs?name=/", "text/plain", "println 'hi'", token).statusCode()).isEqualTo(202);
        var tooBig = server.post("/api/runs", "text/plain", "//" + "x".repeat(1_100_000), token);
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(server.get("/api/runs/no-such-run").statusCode()).isEqualTo(404);
        assertThat(server.delete("/api/runs/no-such-run", token).statusCode()).isEqualTo(404);
        assertThat(server.get("/api/runs").statusCode()).isEqualTo(200);
    }

    @Test
    @Order(3)
    void aSubmittedScriptGivesTheResultsOfRunAndSubmitPrintsWhatRunPrints() throws Exception {
        var script = Path.of("src/test/resources/scripts/lenet300-subset.groovy").toAbsolutePath();
        var submitted = Cli.run(work, "submit", script.toString(), "--server", server.url, "--token-file", server.tokenFile.toString(),
                "--no-progress");
        assertThat(submitted.exit()).as(submitted.err()).isZero();
        assertThat(submitted.out()).contains("step 3/3").contains("RESULT sparsity=0.9").contains("run directory: ");
        var local = work.resolve("local-runs");
        var ran = Cli.run(work, "run", script.toString(), "--runs-dir", local.toString(), "--no-progress");
        assertThat(ran.exit()).as(ran.err()).isZero();
        Path served;
        Path direct;
        try (Stream<Path> a = Files.list(runs); Stream<Path> b = Files.list(local)) {
            served = a.filter(d -> d.getFileName().toString().startsWith("it-lenet300-")).findFirst().orElseThrow();
            direct = b.findFirst().orElseThrow();
        }
        // the runs are deterministic: every measured figure but time is the same
        assertThat(deterministicColumns(served)).isEqualTo(deterministicColumns(direct));
        var listed = server.getJson("/api/runs");
        assertThat(listed.findValuesAsText("id")).contains(served.getFileName().toString());
    }

    /** results.csv without the timings (latency, throughput), which differ from run to run. */
    private static List<String> deterministicColumns(Path runDir) throws IOException {
        return Files.readAllLines(runDir.resolve("results.csv")).stream().map(line -> {
            var cells = line.split(",", -1);
            return String.join(",", cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7], cells[8], cells[13]);
        }).toList();
    }

    @Test
    @Order(4)
    void aJarReplacedWhileARunIsInFlightServesTheNextRunAndTheRunKeepsItsVersion() throws Exception {
        var first = server.submit("hot.groovy", experiment("hot-v1", "hot", "schedule 'iterative', target: 0.8, steps: 3", 2));
        String runId = runId(first, 0);
        // step 1 is done: the run is in flight with version 1
        server.await("/api/runs/" + runId, run -> run.path("results").size() >= 2, RUN);
        installJar("hot", "2.0", "Transforms.abs(param.weights(), true).rsub(10)"); // the largest weights score lowest
        server.await("/api/plugins", p -> p.path("events").findValuesAsText("version").contains("2.0"), Duration.ofSeconds(30));
        var finished = completed(runId);
        assertThat(finished.path("spec").path("saliency").path("version").asText()).isEqualTo("1.0");
        var runDir = Path.of(finished.path("dir").asText());
        for (int step = 1; step <= 3; step++) {
            var plan = Server.JSON.readTree(runDir.resolve("masks/step-" + step + "/plan.json").toFile());
            assertThat(plan.path("provenance").path("saliencyVersion").asText()).as("step %d", step).isEqualTo("1.0");
        }

        // the next run gets version 2, which prunes the largest weights: without fine-tuning it falls apart
        var second = server.submit("hot2.groovy", experiment("hot-v2", "hot", "schedule 'one-shot', target: 0.8", 0)
                + experiment("magnitude-same", "magnitude", "schedule 'one-shot', target: 0.8", 0));
        var v2 = completed(runId(second, 0));
        var magnitude = completed(runId(second, 1));
        assertThat(v2.path("spec").path("saliency").path("version").asText()).isEqualTo("2.0");
        var v1File = finished.path("spec").path("plugins").path("saliency:hot");
        var v2File = v2.path("spec").path("plugins").path("saliency:hot");
        assertThat(v1File.path("sha256").asText()).as("spec.json has the digest of the file each version came from")
                .hasSize(64).isNotEqualTo(v2File.path("sha256").asText());
        assertThat(v2File.path("file").asText()).endsWith("hot.jar");
        assertThat(accuracy(v2)).as("version 2 prunes the largest weights").isLessThan(accuracy(magnitude) - 0.2);

        // a corrupt jar is refused with an event naming it, and version 2 keeps serving
        Files.write(plugins.resolve("broken.jar"), "PK\u0003\u0004 not a jar".getBytes());
        var refused = server.await("/api/plugins", p -> p.path("events").findValuesAsText("file").stream()
                .anyMatch(f -> f.endsWith("broken.jar")), Duration.ofSeconds(30));
        assertThat(refused.path("events").toString()).contains("plugin-reload-failed");
        assertThat(refused.path("failures").toString()).contains("broken.jar");
        assertThat(server.pluginVersion("hot")).isEqualTo("2.0");
        var third = server.submit("hot3.groovy", experiment("hot-v2-again", "hot", "schedule 'one-shot', target: 0.5", 0));
        assertThat(completed(runId(third, 0)).path("spec").path("saliency").path("version").asText()).isEqualTo("2.0");
        var metrics = server.get("/metrics").body();
        assertThat(metrics).contains("secateur_plugin_reloads_total{kind=\"jar\",outcome=\"replaced\"")
                .contains("secateur_plugin_reloads_total{kind=\"jar\",outcome=\"failed\"");
    }

    @Test
    @Order(5)
    void aGroovySourcePluginIsCreatedUsedEditedAndBrokenWithoutLosingItsLastGoodVersion() throws Exception {
        var source = plugins.resolve("crit.groovy");
        String text = """
                class Crit implements SaliencyMethod {
                    String id() { 'crit' }
                    String description() { 'a criterion written as Groovy source' }
                    Set<Requirement> requirements() { EnumSet.of(Requirement.WEIGHTS) }
                    INDArray score(ParamView param, Options options) { Transforms.abs(param.weights(), true) }
                }
                """;
        Files.writeString(source, text);
        server.await("/api/plugins", p -> p.path("plugins").findValuesAsText("id").contains("crit"), Duration.ofSeconds(30));
        var first = completed(runId(server.submit("crit1.groovy", experiment("crit-1", "crit", "schedule 'one-shot', target: 0.8", 0)), 0));
        String v1 = first.path("spec").path("saliency").path("version").asText();
        assertThat(v1).startsWith("groovy-");

        Files.writeString(source, text.replace("Transforms.abs(param.weights(), true)", "Transforms.abs(param.weights(), true).rsub(10)"));
        server.await("/api/plugins", p -> !v1.equals(versionOf(p, "crit")), Duration.ofSeconds(30));
        var second = completed(runId(server.submit("crit2.groovy", experiment("crit-2", "crit", "schedule 'one-shot', target: 0.8", 0)), 0));
        String v2 = second.path("spec").path("saliency").path("version").asText();
        assertThat(v2).isNotEqualTo(v1);
        assertThat(accuracy(second)).as("the edited criterion prunes the largest weights").isLessThan(accuracy(first) - 0.2);

        Files.writeString(source, "class Crit implements SaliencyMethod {\n    String id() { 'crit' \n}\n");
        var refused = server.await("/api/plugins", p -> p.path("failures").toString().contains("crit.groovy:"), Duration.ofSeconds(30));
        assertThat(refused.path("failures").toString()).containsPattern("crit\\.groovy:\\d+:\\d+: ");
        assertThat(versionOf(refused, "crit")).as("the edited version keeps serving").isEqualTo(v2);
    }

    private static String versionOf(JsonNode plugins, String id) {
        for (var plugin : plugins.path("plugins")) {
            if (plugin.path("id").asText().equals(id)) {
                return plugin.path("version").asText();
            }
        }
        return null;
    }

    @Test
    @Order(6)
    void aPluginMadeWithTheKitBuildsAgainstTheInstalledSpiAndServesASubmittedScript() throws Exception {
        var kit = Files.createDirectories(work.resolve("kit"));
        var made = Cli.run(work, "new-plugin", "saliency", "kit-crit", "--dir", kit.toString());
        assertThat(made.exit()).as(made.err()).isZero();
        var project = kit.resolve("kit-crit");
        assertThat(Files.readString(project.resolve("pom.xml"))).contains("<plugin.id>kit-crit</plugin.id>");
        var build = new ProcessBuilder("mvn", "-q", "-B", "package",
                "-Dorg.bytedeco.javacpp.cachedir=" + Cli.ROOT.resolve("target/javacpp-cache"))
                .directory(project.toFile()).redirectErrorStream(true).start();
        String log = new String(build.getInputStream().readAllBytes());
        assertThat(build.waitFor()).as(log).isZero();
        var jar = project.resolve("target/kit-crit.jar");
        Files.copy(jar, plugins.resolve("kit-crit.jar.part"));
        Files.move(plugins.resolve("kit-crit.jar.part"), plugins.resolve("kit-crit.jar"), StandardCopyOption.ATOMIC_MOVE);
        server.await("/api/plugins", p -> "1.0.0".equals(versionOf(p, "kit-crit")), Duration.ofSeconds(30));
        var run = completed(runId(server.submit("kit.groovy", experiment("kit-run", "kit-crit", "schedule 'one-shot', target: 0.5", 0)), 0));
        assertThat(run.path("spec").path("saliency").path("id").asText()).isEqualTo("kit-crit");
        var listed = Cli.run(work, "plugins", "--plugins-dir", plugins.toString());
        assertThat(listed.out()).as("the id a script uses is the one plugins shows").containsPattern("saliency\\s+kit-crit\\s+1\\.0\\.0");

        // the Groovy flavour: one file, written straight into the server's plugin directory
        var groovy = Cli.run(work, "new-plugin", "saliency", "kit-groovy", "--groovy", "--dir", plugins.toString());
        assertThat(groovy.exit()).as(groovy.err()).isZero();
        server.await("/api/plugins", p -> versionOf(p, "kit-groovy") != null, Duration.ofSeconds(30));
        var groovyRun = completed(runId(server.submit("kitg.groovy", experiment("kit-groovy-run", "kit-groovy",
                "schedule 'one-shot', target: 0.5", 0)), 0));
        assertThat(groovyRun.path("spec").path("saliency").path("version").asText()).startsWith("groovy-");
    }

    @Test
    @Order(7)
    void aCancelledRunStopsWithinAStageIsMarkedAndTheServerServesTheNextRun() throws Exception {
        // followed by bin/secateur submit, as a user would, while another client cancels it
        var script = Cli.script(work, "long.groovy", experiment("long", "magnitude", "schedule 'iterative', target: 0.9, steps: 4", 3));
        var follower = CompletableFuture.supplyAsync(() -> {
            try {
                return Cli.run(work, "submit", script.toString(), "--server", server.url, "--token-file", server.tokenFile.toString(),
                        "--no-progress");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        var live = server.await("/api/runs", runsNow -> longRun(runsNow) != null && longRun(runsNow).path("steps").asInt() >= 2, RUN);
        String runId = longRun(live).path("id").asText();
        int rowsAtCancel = server.getJson("/api/runs/" + runId).path("results").size();
        var cancel = server.delete("/api/runs/" + runId, server.token());
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
        var cancelled = server.awaitRun(runId, Duration.ofMinutes(2), "CANCELLED", "COMPLETED", "FAILED");
        assertThat(cancelled.path("status").asText()).isEqualTo("CANCELLED");
        var dir = Path.of(cancelled.path("dir").asText());
        assertThat(dir.resolve("CANCELLED")).exists();
        assertThat(dir.resolve("model-final.zip")).doesNotExist();
        assertThat(cancelled.path("results").size()).as("it stopped within one stage of the cancel, before its last step")
                .isLessThanOrEqualTo(rowsAtCancel + 1).isLessThan(5);
        assertThat(Files.readString(dir.resolve("events.jsonl"))).contains("\"event\":\"cancelled\"");
        var followed = follower.get(2, TimeUnit.MINUTES);
        assertThat(followed.exit()).as(followed.out() + followed.err()).isEqualTo(3);
        assertThat(followed.out() + followed.err()).contains("cancelled");

        var next = server.submit("next.groovy", experiment("after-cancel", "magnitude", "schedule 'one-shot', target: 0.5", 0));
        completed(runId(next, 0));
    }

    private static JsonNode longRun(JsonNode runs) {
        for (var run : runs) {
            if (run.path("experiment").asText().equals("long")) {
                return run;
            }
        }
        return null;
    }

    @Test
    @Order(8)
    void aQueuedRunShowsAsQueuedAndCanBeCancelledBeforeItStarts() throws Exception {
        var submitted = server.submit("three.groovy", experiment("first", "magnitude", "schedule 'iterative', target: 0.5, steps: 2", 1)
                + experiment("second", "magnitude", "schedule 'one-shot', target: 0.5", 0)
                + experiment("third", "magnitude", "schedule 'one-shot', target: 0.5", 0));
        String second = runId(submitted, 1);
        String third = runId(submitted, 2);
        assertThat(server.getJson("/api/runs/" + second).path("status").asText()).isEqualTo("QUEUED");
        assertThat(server.delete("/api/runs/" + second, server.token()).statusCode()).isEqualTo(202);
        assertThat(server.delete("/api/runs/" + second, server.token()).statusCode()).as("cancelled already").isEqualTo(409);
        completed(runId(submitted, 0));
        // it never started, so it has no directory, and the server still shows it as cancelled
        assertThat(server.getJson("/api/runs/" + second).path("status").asText()).isEqualTo("CANCELLED");
        var listed = server.getJson("/api/runs");
        assertThat(listed.findParents("id").stream().filter(r -> r.path("id").asText().equals(second))
                .map(r -> r.path("status").asText())).containsExactly("CANCELLED");
        try (Stream<Path> dirs = Files.list(runs)) {
            assertThat(dirs.map(d -> d.getFileName().toString())).noneMatch(n -> n.equals(second) || n.equals(third));
        }
        // the script stopped at the cancelled run, so it never reaches the third: that one will not run either
        assertThat(server.awaitRun(third, Duration.ofSeconds(30), "CANCELLED", "COMPLETED").path("status").asText()).isEqualTo("CANCELLED");
        var events = server.get(submitted.path("events").asText());
        assertThat(events.body()).contains("\"event\":\"cancelled\"").contains("\"type\":\"end\",\"exit\":3");
    }

    @Test
    @Order(9)
    void theReportOfAFailedAndOfACancelledRunShowsHowEachEndedAndTheStepsDoneBefore() throws Exception {
        // criteria that pass their smoke test, then on a real layer throw, or never return until the run is cancelled
        Cli.criterion(work, "breaks", "throw new IllegalStateException('breaks on a real layer')");
        Cli.criterion(work, "stalls", "while (true) { }");
        server.await("/api/plugins", p -> p.path("plugins").findValuesAsText("id").containsAll(List.of("breaks", "stalls")),
                Duration.ofSeconds(30));
        String failedId = runId(server.submit("breaks.groovy", tiny("breaks")), 0);
        var failed = server.awaitRun(failedId, RUN, "FAILED", "COMPLETED", "CANCELLED");
        assertThat(failed.path("status").asText()).as(failed.toString()).isEqualTo("FAILED");
        String stalledId = runId(server.submit("stalls.groovy", tiny("stalls")), 0);
        // the dense model's row is written, and the scorer never returns: the run waits there until it is cancelled
        server.await("/api/runs/" + stalledId, run -> run.path("results").size() == 1, RUN);
        var cancel = server.delete("/api/runs/" + stalledId, server.token());
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
        var cancelled = server.awaitRun(stalledId, Duration.ofMinutes(2), "CANCELLED", "COMPLETED", "FAILED");
        assertThat(cancelled.path("status").asText()).isEqualTo("CANCELLED");

        try (var browser = Browser.start()) {
            var failedDir = Path.of(failed.path("dir").asText());
            browser.openReport(failedDir, work.resolve("failed-report"));
            assertThat(browser.text("#summary td.status")).isEqualTo("FAILED");
            assertThat(browser.text("p.failure")).isEqualTo("FAILED: " + Files.readAllLines(failedDir.resolve("FAILED")).get(0))
                    .contains("PLUGIN_FAILED").contains("'breaks'").contains("breaks on a real layer");
            assertThat(browser.rows("#steps tbody tr", "td.step")).as("the steps done before it failed")
                    .containsExactly(List.of("0"));
            assertThat(browser.consoleWarnings()).as("the browser console").isEmpty();
            browser.screenshot("report-failed");

            var cancelledDir = Path.of(cancelled.path("dir").asText());
            browser.openReport(cancelledDir, work.resolve("cancelled-report"));
            assertThat(browser.text("#summary td.status")).isEqualTo("CANCELLED");
            assertThat(browser.text("p.cancelled"))
                    .isEqualTo("CANCELLED: " + Files.readAllLines(cancelledDir.resolve("CANCELLED")).get(0))
                    .containsPattern("run " + stalledId + " was cancelled (while|before) the scorer was");
            assertThat(browser.rows("#steps tbody tr", "td.step")).as("the steps done before it was cancelled")
                    .containsExactly(List.of("0"));
            assertThat(browser.consoleWarnings()).as("the browser console").isEmpty();
            browser.screenshot("report-cancelled");
        }
    }

    /** One pruning step of a small network on a little data, with the given criterion. */
    private static String tiny(String saliency) {
        return """
                run(experiment('%s') {
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', train: 300, test: 100)
                    saliency '%s'
                    schedule 'one-shot', target: 0.5
                    finetune epochs: 0
                    evaluate latencyRepeats: 2, latencyWarmup: 1, largeBatch: 0
                })
                """.formatted(saliency, saliency);
    }
}
