package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.PluginJars;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;

/**
 * The dashboard and report.html in a real browser (Debian's chromium, headless, through Selenium): a run
 * followed live from {@code bin/secateur run --dashboard}, the list of runs and a comparison of three, a
 * plugin reloaded under {@code serve}, report.html opened from the file system, and requests that try to
 * leave the runs directory. Screenshots of each page are left in target/screenshots/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardIT {

    private static final Pattern DASHBOARD = Pattern.compile("dashboard: (http://127\\.0\\.0\\.1:\\d+/)\\?token=([0-9a-f]{64})");
    private static final Pattern RUN_LINE = Pattern.compile("^run (\\S+): ");

    private Path work;
    private Path runs;
    private Process dashboardRun;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private String url;
    /** The token run --dashboard printed in its URL. */
    private String token;
    private Browser browser;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void twoFinishedRunsThenOneFollowedLive() throws Exception {
        work = Files.createTempDirectory(Files.createDirectories(Path.of("target", "dashboard-it")).toAbsolutePath(), "work");
        runs = work.resolve("runs");
        for (String saliency : List.of("random", "magnitude")) {
            var script = Cli.script(work, "quick-" + saliency + ".groovy", experiment("quick-" + saliency, saliency,
                    "schedule 'one-shot', target: 0.8", 1000, 0, 1));
            var ran = Cli.run(work, "run", script.toString(), "--runs-dir", runs.toString(), "--no-progress");
            assertThat(ran.exit()).as(ran.err()).isZero();
        }
        browser = Browser.start();
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (dashboardRun != null) {
            dashboardRun.destroy();
            dashboardRun.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static String experiment(String name, String saliency, String schedule, int train, int finetuneEpochs, int baselineEpochs) {
        return """
                run(experiment('%s') {
                    seed 11
                    model { train 'lenet-300-100', epochs: %d }
                    data fashionMnist(source: 'embedded', train: %d, test: 500)
                    saliency '%s'
                    %s
                    finetune epochs: %d
                    evaluate latencyRepeats: 3, latencyWarmup: 1, largeBatch: 0
                })
                """.formatted(name, baselineEpochs, train, saliency, schedule, finetuneEpochs);
    }

    /** Starts a run with the dashboard and waits for the lines that name its page and its run. */
    private String startLiveRun() throws Exception {
        var script = Cli.script(work, "live.groovy", experiment("live", "magnitude", "schedule 'iterative', target: 0.9, steps: 4",
                6000, 3, 2));
        dashboardRun = Cli.start(work, "run", "--dashboard", "0", script.toString(), "--runs-dir", runs.toString(), "--no-progress",
                "--linger", "10m");
        var lines = new BufferedReader(new InputStreamReader(dashboardRun.getInputStream(), StandardCharsets.UTF_8));
        var reader = new Thread(() -> lines.lines().forEach(output::add));
        reader.setDaemon(true);
        reader.start();
        var errors = new Thread(() -> {
            try {
                dashboardRun.getErrorStream().transferTo(OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // the process ended
            }
        });
        errors.setDaemon(true);
        errors.start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            for (String line : output) {
                var m = DASHBOARD.matcher(line);
                if (m.find()) {
                    url = m.group(1);
                    token = m.group(2);
                }
            }
            for (String line : output) {
                var m = RUN_LINE.matcher(line);
                if (url != null && m.find()) {
                    return m.group(1);
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("run --dashboard did not print its page and run: " + output);
    }

    private Path runDir(String id) {
        return runs.resolve(id);
    }

    private static List<List<String>> csv(Path file) throws IOException {
        var rows = new ArrayList<List<String>>();
        for (String line : Files.readAllLines(file)) {
            rows.add(List.of(line.split(",", -1)));
        }
        return rows;
    }

    @Test
    @Order(1)
    void aRunFollowedLiveShowsEachStepAsResultsCsvHasIt() throws Exception {
        String runId = startLiveRun();
        browser.open(url + "?token=" + token);
        // the token became an HttpOnly cookie: the page's address, its script and its storage never hold it
        browser.waiting(Duration.ofSeconds(30)).until(d -> browser.count("#runs") == 1);
        assertThat(browser.driver.getCurrentUrl()).doesNotContain(token);
        assertThat(String.valueOf(browser.js("return document.cookie + '|' + JSON.stringify(sessionStorage) + '|' "
                + "+ JSON.stringify(localStorage) + '|' + document.documentElement.outerHTML;"))).doesNotContain(token);
        // the list of runs, then the live run's page, as a user gets there
        // the list redraws as events come, so an element found may be gone by the click: find and click again
        browser.waiting(Duration.ofSeconds(60)).ignoring(StaleElementReferenceException.class).ignoring(NoSuchElementException.class)
                .until(d -> {
                    d.findElement(By.cssSelector("#runs tr[data-run-id='" + runId + "'] a")).click();
                    return true;
                });
        browser.waiting(Duration.ofSeconds(30)).until(d -> browser.text("#summary td.status") != null);
        browser.mark();
        String statusWhenOpened = browser.text("#summary td.status");
        int rowsWhenOpened = browser.count("#steps tbody tr");
        browser.waiting(Duration.ofSeconds(60)).until(d -> browser.count("#steps tbody tr") > 0);
        browser.screenshot("run-live");

        browser.waiting(Duration.ofMinutes(3)).until(d -> "COMPLETED".equals(browser.text("#summary td.status")));
        assertThat(browser.stillMarked()).as("the page updated itself; it was never reloaded").isTrue();
        assertThat(statusWhenOpened).as("the page was open while the run ran").isEqualTo("RUNNING");
        assertThat(rowsWhenOpened).as("steps arrived after the page opened").isLessThan(5);

        var results = csv(runDir(runId).resolve("results.csv"));
        var header = results.get(0);
        int accuracy = header.indexOf("accuracy");
        int sparsity = header.indexOf("sparsity");
        var rows = browser.rows("#steps tbody tr", "td.step", "td.accuracy", "td.sparsity");
        assertThat(rows).hasSize(results.size() - 1);
        for (int i = 1; i < results.size(); i++) {
            assertThat(rows.get(i - 1)).as("step %d", i - 1)
                    .containsExactly(results.get(i).get(0), results.get(i).get(accuracy), results.get(i).get(sparsity));
        }
        assertThat(browser.one("#chart-accuracy-step").getAttribute("data-points")).isEqualTo(String.valueOf(results.size() - 1));
        assertThat(browser.js("return SecateurCharts.charts['chart-accuracy-step'].data[0].length")).isEqualTo((long) (results.size() - 1));
        assertThat(browser.hasDrawnCanvas("#chart-accuracy-step")).isTrue();

        List<String> prunable;
        try (Stream<Path> masks = Files.list(runDir(runId).resolve("masks/step-1"))) {
            prunable = masks.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".npy"))
                    .map(n -> n.substring(0, n.length() - 4)).sorted().toList();
        }
        assertThat(browser.rows("#layers tbody tr", "@data-param").stream().map(r -> r.get(0)).sorted().toList())
                .as("every prunable parameter").isEqualTo(prunable);
        assertThat(browser.text("#files")).contains("masks/step-4/0_W.npy").contains("report.html");
        browser.screenshot("run-finished");
    }

    @Test
    @Order(2)
    void theListShowsTheFinishedRunsAndTheCompareViewOverlaysThree() throws Exception {
        browser.open(url + "#/runs");
        browser.waiting(Duration.ofSeconds(30)).until(d -> browser.count("#runs tbody tr") >= 3);
        var rows = browser.rows("#runs tbody tr", "td.status");
        assertThat(rows).hasSize(3).allSatisfy(r -> assertThat(r).containsExactly("COMPLETED"));
        browser.one("#filter-name").sendKeys("quick");
        browser.waiting(Duration.ofSeconds(10)).until(d -> browser.count("#runs tbody tr") == 2);
        browser.js("document.getElementById('filter-name').value=''; document.getElementById('filter-name').dispatchEvent(new Event('input'));");
        browser.waiting(Duration.ofSeconds(10)).until(d -> browser.count("#runs tbody tr") == 3);
        browser.screenshot("runs");
        for (int i = 0; i < 3; i++) {
            int row = i;
            browser.waiting(Duration.ofSeconds(10)).ignoring(StaleElementReferenceException.class)
                    .until(d -> {
                        var box = d.findElements(By.cssSelector("#runs input.pick")).get(row);
                        if (!box.isSelected()) {
                            box.click();
                        }
                        return true;
                    });
        }
        browser.one("#compare-selected").click();
        browser.waiting(Duration.ofSeconds(30)).until(d -> !d.findElements(By.cssSelector("#chart-compare canvas")).isEmpty());
        assertThat(browser.one("#chart-compare").getAttribute("data-series")).isEqualTo("3");
        assertThat(browser.js("return SecateurCharts.charts['chart-compare'].series.length - 1")).isEqualTo(3L);
        assertThat(browser.all("#compare-final tbody tr")).hasSize(3);
        assertThat(browser.hasDrawnCanvas("#chart-compare")).isTrue();
        browser.screenshot("compare");

        // the meters, as the registry behind /metrics has them: the last step's sparsity of the live run
        browser.open(url + "#/metrics");
        browser.waiting(Duration.ofSeconds(20)).until(d -> browser.count("#meters tr[data-meter='secateur.sparsity']") > 0);
        var scrape = get("metrics").body();
        assertThat(scrape).containsPattern("secateur_sparsity_ratio\\{experiment=\"live\"[^}]*} 0\\.9");
        assertThat(browser.rows("#meters tr[data-meter='secateur.sparsity']", "td:nth-child(2)", "td:nth-child(3)"))
                .anySatisfy(r -> assertThat(r).satisfiesExactly(tags -> assertThat(tags).contains("experiment=live"),
                        values -> assertThat(values).isEqualTo("value 0.900000")));
        browser.screenshot("metrics");
    }

    @Test
    @Order(3)
    void reportHtmlOpensFromTheFileSystemAndDrawsItsChartsWithoutErrors() throws Exception {
        Path dir;
        try (Stream<Path> all = Files.list(runs)) {
            dir = all.filter(d -> d.getFileName().toString().startsWith("live-")).findFirst().orElseThrow();
        }
        assertThat(dir.resolve("accuracy-sparsity.png")).isNotEmptyFile();
        assertThat(dir.resolve("layer-sparsity.png")).isNotEmptyFile();
        browser.openReport(dir, work.resolve("alone"));
        browser.waiting(Duration.ofSeconds(20)).until(d -> !d.findElements(By.cssSelector("#chart-accuracy-sparsity canvas")).isEmpty());
        assertThat(browser.hasDrawnCanvas("#chart-accuracy-sparsity")).isTrue();
        assertThat(browser.hasDrawnCanvas("#chart-throughput")).isTrue();
        assertThat(browser.all("#steps tbody tr")).hasSize(csv(dir.resolve("results.csv")).size() - 1);
        assertThat(browser.one("#provenance").getText()).contains("saliency:magnitude").contains("ND4J backend")
                .contains("input shape").contains("1×28×28").contains("embedded:train-images-idx3-ubyte.gz");
        // written while the run's process still held its lock, the report still shows how the run ended
        assertThat(browser.text("#summary td.status")).isEqualTo("COMPLETED");
        assertThat(browser.consoleWarnings()).as("the browser console").isEmpty();
        browser.screenshot("report");

        // a comparison report of the three runs, from the command line
        List<String> args = new ArrayList<>(List.of("report"));
        try (Stream<Path> all = Files.list(runs)) {
            all.sorted().forEach(d -> args.add(d.toString()));
        }
        args.addAll(List.of("--out", work.resolve("compare.html").toString()));
        var written = Cli.run(work, args.toArray(String[]::new));
        assertThat(written.exit()).as(written.err()).isZero();
        browser.open(work.resolve("compare.html").toUri().toString());
        browser.waiting(Duration.ofSeconds(20)).until(d -> !d.findElements(By.cssSelector("#chart-compare canvas")).isEmpty());
        assertThat(browser.one("#chart-compare").getAttribute("data-series")).isEqualTo("3");
        assertThat(browser.hasDrawnCanvas("#chart-compare")).isTrue();
        assertThat(browser.all(".compared-run")).hasSize(3);
        assertThat(browser.consoleWarnings()).isEmpty();
        browser.screenshot("compare-report");
    }

    @Test
    @Order(4)
    void requestsOutsideTheRunsDirectoryGet4xxAndNeverAFile() throws Exception {
        String id;
        try (Stream<Path> all = Files.list(runs)) {
            id = all.findFirst().orElseThrow().getFileName().toString();
        }
        assertThat(get("api/runs/" + id + "/files/results.csv").statusCode()).isEqualTo(200);
        assertThat(Files.exists(runs.resolve(id).resolve(".lock"))).as("the run's lock file is there to be refused").isTrue();
        assertThat(get("api/runs/" + id).body()).as("listed files").contains("results.csv").doesNotContain(".lock");
        for (String read : List.of("", "api/runs", "api/runs/" + id, "api/runs/" + id + "/files/results.csv", "api/events", "metrics")) {
            var refused = http.send(HttpRequest.newBuilder(URI.create(url + read)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as("GET /%s without the token", read).isEqualTo(401);
        }
        for (String path : List.of("api/runs/no-such-run", "api/runs/no-such-run/files/results.csv",
                "api/runs/" + id + "/files/..%2F..%2F..%2F..%2Fetc%2Fpasswd", "api/runs/" + id + "/files/%2Fetc%2Fpasswd",
                "api/runs/..%2F..%2Fetc/files/passwd", "api/runs/" + id + "/files/masks%2F..%2F..%2F" + id + "%2Fspec.json%00",
                "api/runs/" + id + "/files/masks", "api/runs/" + id + "?q=" + "x".repeat(20_000),
                // bookkeeping: reading .lock in the process that runs the run would drop its lock
                "api/runs/" + id + "/files/.lock", "api/runs/" + id + "/files/masks%2F..%2F.lock")) {
            var response = get(path);
            assertThat(response.statusCode()).as(path).isBetween(400, 499);
            assertThat(response.body()).as(path).doesNotContain("root:");
        }
    }

    @Test
    @Order(4)
    void aRequestForAnotherHostNameIsRefusedSoARebindingPageCannotReadTheApi() throws Exception {
        var uri = URI.create(url);
        for (String host : List.of("attacker.example", "attacker.example:" + uri.getPort())) {
            try (var socket = new Socket(uri.getHost(), uri.getPort())) {
                socket.getOutputStream().write(("GET /api/runs HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer).as(host).startsWith("HTTP/1.1 403").doesNotContain("\"experiment\"");
            }
        }
        assertThat(get("api/runs").statusCode()).isEqualTo(200);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url + path)).header("authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(5)
    void underServeAPluginReloadShowsItsNewVersionWithoutReloadingThePage() throws Exception {
        var serveWork = Files.createDirectories(work.resolve("serve"));
        var plugins = Files.createDirectories(serveWork.resolve("plugins"));
        install(plugins, "1.0");
        try (var server = Server.start(serveWork, serveWork.resolve("runs"), serveWork.resolve("token"), "--plugins-dir", plugins.toString())) {
            browser.open(server.browserUrl());
            browser.open(server.url + "/#/plugins");
            browser.waiting(Duration.ofSeconds(30)).until(d -> "1.0".equals(browser.text("#plugins tr[data-plugin-id='shown'] td.version")));
            browser.mark();
            install(plugins, "2.0");
            browser.waiting(Duration.ofSeconds(30)).until(d -> "2.0".equals(browser.text("#plugins tr[data-plugin-id='shown'] td.version")));
            assertThat(browser.stillMarked()).as("updated by the event stream, not by a reload").isTrue();
            assertThat(browser.rows("#plugin-events tbody tr", "td.what", "td:nth-child(3)", "td:nth-child(4)"))
                    .contains(List.of("reloaded", "shown", "2.0"), List.of("loaded", "shown", "1.0"));
            browser.screenshot("plugins");
            // files need the token under serve
            assertThat(server.getWithoutToken("/api/runs/x/files/results.csv").statusCode()).isEqualTo(401);

            // with the cookie the printed URL set, a script started from the page, a run cancelled from it, a file opened
            browser.open(server.url + "/#/runs");
            browser.waiting(Duration.ofSeconds(30)).until(d -> browser.count("#script") == 1);
            String twoRuns = experiment("from-page", "shown", "schedule 'one-shot', target: 0.5", 1000, 0, 1)
                    // long enough that the cancel lands while it runs, however fast the machine: it took 8 s with 3 epochs a step
                    + experiment("cancelled-from-page", "magnitude", "schedule 'iterative', target: 0.9, steps: 3", 6000, 30, 2);
            browser.js("document.getElementById('script').value = arguments[0];", twoRuns);
            browser.one("#submit").click();
            browser.waiting(Duration.ofSeconds(30)).until(d -> String.valueOf(browser.text("#message")).startsWith("submitted"));
            browser.waiting(Duration.ofMinutes(2)).until(d -> "RUNNING".equals(
                    browser.text("#runs tr[data-run-id^='cancelled-from-page'] td.status")));
            browser.waiting(Duration.ofSeconds(10)).until(d -> {
                d.findElement(By.cssSelector("#runs tr[data-run-id^='cancelled-from-page'] button.cancel")).click();
                return true;
            });
            browser.waiting(Duration.ofMinutes(2)).until(d -> "CANCELLED".equals(
                    browser.text("#runs tr[data-run-id^='cancelled-from-page'] td.status")));
            assertThat(browser.text("#runs tr[data-run-id^='from-page'] td.status")).isEqualTo("COMPLETED");
            browser.screenshot("serve-runs");

            String finished = browser.rows("#runs tr[data-run-id^='from-page']", "@data-run-id").get(0).get(0);
            browser.open(server.url + "/#/run/" + finished);
            browser.waiting(Duration.ofSeconds(30)).until(d -> browser.count("#files li[data-path='report.html'] a") == 1);
            String page = browser.driver.getWindowHandle();
            browser.one("#files li[data-path='report.html'] a").click();
            browser.waiting(Duration.ofSeconds(20)).until(d -> d.getWindowHandles().size() == 2);
            for (String handle : browser.driver.getWindowHandles()) {
                if (!handle.equals(page)) {
                    browser.driver.switchTo().window(handle);
                }
            }
            browser.waiting(Duration.ofSeconds(20)).until(d -> browser.count("#chart-accuracy-sparsity canvas") > 0);
            assertThat(browser.text("h1")).isEqualTo("from-page");
            assertThat(browser.hasDrawnCanvas("#chart-accuracy-sparsity")).as("the report the page opened, with the token").isTrue();
            browser.driver.close();
            browser.driver.switchTo().window(page);

            forgedReportOpenedFromThePageCannotActAsIt(server, finished, page);
        }
    }

    /**
     * A report.html planted in a run directory by whoever can write there, with a script that tries what a
     * report must never do: reach the page that opened it, read its cookie or storage, read the API, submit a
     * script. Opened from the page, sandboxed in an origin of its own and with no opener, every attempt fails.
     */
    private void forgedReportOpenedFromThePageCannotActAsIt(Server server, String runId, String page) throws Exception {
        int runsBefore = server.getJson("/api/runs").size();
        Files.writeString(server.runsDir().resolve(runId).resolve("forged.html"), """
                <!doctype html><html><head><title>forged</title></head><body>
                <script>
                const out = {};
                const attempt = (name, f) => { try { out[name] = String(f()); } catch (e) { out[name] = 'blocked: ' + e.name; } };
                attempt('opener', () => window.opener === null ? 'none' : 'present');
                attempt('openerStorage', () => JSON.stringify(window.opener.sessionStorage));
                attempt('openerCookie', () => window.opener.document.cookie);
                attempt('cookie', () => document.cookie);
                attempt('storage', () => JSON.stringify(localStorage));
                const done = () => document.body.setAttribute('data-result', JSON.stringify(out));
                fetch('/api/runs', { credentials: 'include' }).then(r => r.text()).then(t => { out.read = 'read ' + t; },
                    e => { out.read = 'blocked: ' + e.name; }).finally(() => fetch('/api/runs', { method: 'POST', credentials: 'include',
                    headers: { 'content-type': 'text/plain' }, body: "println 'forged'" }).then(r => { out.submit = 'status ' + r.status; },
                    e => { out.submit = 'blocked: ' + e.name; }).finally(done));
                </script></body></html>
                """);
        // a new address, so the page loads again and lists the planted file
        browser.open(server.url + "/?planted=1#/run/" + runId);
        browser.waiting(Duration.ofSeconds(30)).until(d -> browser.count("#files li[data-path='forged.html'] a") == 1);
        // the page redraws as events come, and a click on a link being redrawn opens nothing: click it again until a
        // click opens the report's window
        var rel = new String[1];
        browser.waiting(Duration.ofSeconds(40)).until(d -> {
            var link = d.findElement(By.cssSelector("#files li[data-path='forged.html'] a"));
            rel[0] = link.getAttribute("rel");
            link.click();
            try {
                return browser.waiting(Duration.ofSeconds(5)).until(w -> w.getWindowHandles().size() > 1);
            } catch (TimeoutException e) {
                return false;
            }
        });
        assertThat(rel[0]).contains("noopener");
        for (String handle : browser.driver.getWindowHandles()) {
            if (!handle.equals(page)) {
                browser.driver.switchTo().window(handle);
            }
        }
        browser.waiting(Duration.ofSeconds(20)).until(d -> browser.js("return document.body && document.body.getAttribute('data-result');") != null);
        var result = Server.JSON.readTree(String.valueOf(browser.js("return document.body.getAttribute('data-result');")));
        browser.screenshot("forged-report");
        browser.driver.close();
        browser.driver.switchTo().window(page);

        assertThat(result.path("opener").asText()).as("opened with noopener").isEqualTo("none");
        assertThat(result.path("openerStorage").asText()).startsWith("blocked");
        assertThat(result.path("openerCookie").asText()).startsWith("blocked");
        assertThat(result.path("cookie").asText()).as("a sandboxed page has an opaque origin: no cookies").startsWith("blocked");
        assertThat(result.path("storage").asText()).startsWith("blocked");
        assertThat(result.path("read").asText()).as("the API read from the report").startsWith("blocked");
        assertThat(result.path("submit").asText()).as("a script submitted from the report").startsWith("blocked");
        assertThat(server.getJson("/api/runs").size()).as("no run came from the report").isEqualTo(runsBefore);
        // the server keeps every script it accepts under .submitted/: none is the report's
        try (Stream<Path> kept = Files.list(server.runsDir().resolve(".submitted"))) {
            for (Path script : kept.toList()) {
                assertThat(Files.readString(script)).as("a script the server accepted").doesNotContain("forged");
            }
        }
        // off the page before the server stops, so its event stream does not log a refused reconnection into the next test
        browser.open("about:blank");
    }

    private static void install(Path plugins, String version) throws IOException {
        var build = Files.createTempDirectory("shown-build");
        var jar = PluginJars.build(build, "shown", version, "test.shown.Shown" + version.replace(".", ""),
                PluginJars.saliency("test.shown", "Shown" + version.replace(".", ""), "shown", "Transforms.abs(param.weights(), true)"));
        var staged = Files.copy(jar, plugins.resolve("shown.jar.part"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, plugins.resolve("shown.jar"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    @Order(6)
    void sensitivityAndComparisonRunsDrawTheirCurvesAndScattersOnTheirPages() throws Exception {
        var analysed = Files.createDirectories(work.resolve("analysed"));
        for (String script : List.of("sensitivity-subset.groovy", "compare-subset.groovy")) {
            var ran = Cli.run(work, "run", Path.of("src/test/resources/scripts", script).toAbsolutePath().toString(),
                    "--runs-dir", analysed.toString(), "--no-progress");
            assertThat(ran.exit()).as(ran.err()).isZero();
        }
        Path sensitivity;
        Path compare;
        try (Stream<Path> all = Files.list(analysed)) {
            var dirs = all.toList();
            sensitivity = dirs.stream().filter(d -> Files.exists(d.resolve("sensitivity-ratios.csv"))).findFirst().orElseThrow();
            compare = dirs.stream().filter(d -> Files.exists(d.resolve("rank-correlation.csv"))).findFirst().orElseThrow();
        }

        browser.consoleLog();
        browser.open(sensitivity.resolve("report.html").toUri().toString());
        browser.waiting(Duration.ofSeconds(20)).until(d -> browser.count("#chart-sensitivity canvas") > 0);
        int groups = csv(sensitivity.resolve("sensitivity-ratios.csv")).size() - 1;
        assertThat(browser.one("#chart-sensitivity").getAttribute("data-chosen")).isEqualTo(String.valueOf(groups));
        assertThat(browser.count("#chosen-ratios tbody tr")).isEqualTo(groups);
        assertThat(browser.hasDrawnCanvas("#chart-sensitivity")).isTrue();
        assertThat(browser.text("#explain-plan")).contains("unit groups");
        assertThat(browser.consoleWarnings()).isEmpty();
        browser.screenshot("report-sensitivity");

        browser.open(compare.resolve("report.html").toUri().toString());
        browser.waiting(Duration.ofSeconds(20)).until(d -> browser.count("#chart-scatter-0 canvas") > 0);
        int correlations = csv(compare.resolve("rank-correlation.csv")).size() - 1;
        assertThat(browser.count("#correlations tbody tr")).isEqualTo(correlations);
        assertThat(browser.count("[id^=chart-scatter-]")).isEqualTo(correlations);
        assertThat(browser.hasDrawnCanvas("#chart-scatter-0")).isTrue();
        assertThat(Integer.parseInt(browser.one("#chart-scatter-0").getAttribute("data-points"))).isPositive();
        assertThat(browser.consoleWarnings()).isEmpty();
        browser.screenshot("report-compare-criteria");
    }
}
