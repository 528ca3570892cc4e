package dev.secateur.bench;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.RunEvent;
import dev.secateur.config.SecateurConfig;
import dev.secateur.data.DatasetLoader;
import dev.secateur.dsl.ExperimentRunner;
import dev.secateur.dsl.RunResult;
import dev.secateur.dsl.ScriptRunner;
import dev.secateur.plugin.PluginHost;
import dev.secateur.runtime.Secateur;
import dev.secateur.server.DashboardServer;
import dev.secateur.spec.ExperimentSpec;
import java.io.File;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * What a connected dashboard costs a run: the quick-start script, run in one JVM with the dashboard served,
 * once with a page open on the run (headless chromium following it live: the event stream, a reload of the
 * run's data and a redraw of its charts at every step, progress at every tick) and once with no page, in
 * ABBA order, for {@code rounds} rounds. The same machine runs the browser, as it would for a user
 * watching on the machine that trains.
 */
public final class DashboardOverheadBench {

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path script = Path.of(args.length > 1 ? args[1] : "scripts/quickstart.groovy");
        var compiled = ScriptRunner.compile(script);
        var plugins = PluginHost.start(List.of(Path.of(System.getProperty("secateur.bench.plugins", "scripts/bench/target/plugins"))));
        Path runs = Files.createTempDirectory("secateur-dashboard-bench");
        try (var secateur = Secateur.start(SecateurConfig.defaults().withRunsDir(runs), plugins, new DatasetLoader());
             var dashboard = DashboardServer.start(secateur, runs, 0);
             var browser = new Page(dashboard.url())) {
            Runnable warmup = () -> compiled.run(runner(secateur, runs), List.of(), new PrintWriter(Writer.nullWriter()));
            warmup.run();
            System.out.println("quick-start script, " + rounds + " rounds, ABBA; dashboard served at " + dashboard.url() + " in both:");
            var result = Paired.run(
                    "no page", () -> {
                        browser.report(); // what the page showed of the last run it followed, if any
                        browser.blank(); // no page of ours open
                        return warmup;
                    },
                    "page open", () -> () -> {
                        // the page opens on the run as soon as it starts, as a user following it would
                        var follow = browser.followNextRun(secateur);
                        warmup.run();
                        follow.join();
                    },
                    rounds);
            System.out.println(result.report());
            System.out.printf(Locale.ROOT, "DASHBOARD rounds %d ratio_page_over_none %.4f%n", rounds, result.medianRatio());
        }
    }

    private static ExperimentRunner runner(Secateur secateur, Path runs) {
        return new ExperimentRunner() {
            @Override
            public RunResult run(ExperimentSpec spec) {
                var done = secateur.experiments().run(spec, runs);
                return new RunResult(spec.name(), done.runId(), done.runDir(), done.steps(), done.comparison());
            }

            @Override
            public String explain(ExperimentSpec spec) {
                return secateur.experiments().explain(spec);
            }
        };
    }

    /** Headless chromium from Debian, driven by its chromium-driver. */
    private static final class Page implements AutoCloseable {
        private final ChromeDriver driver;
        private final String url;

        Page(String url) {
            this.url = url;
            var options = new ChromeOptions();
            options.setBinary("/usr/bin/chromium");
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,2000");
            var service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
                    .usingAnyFreePort().build();
            this.driver = new ChromeDriver(service, options);
            driver.get(url);
        }

        /** Opens the page of the next run that starts, then leaves it following the run until it completes. */
        CompletableFuture<Void> followNextRun(Secateur secateur) {
            var started = new CompletableFuture<String>();
            var consumer = secateur.vertx().eventBus().<RunEvent>consumer(Addresses.RUN_STARTED, m -> started.complete(m.body().runId()));
            // never on the event loop that published the event: opening a page blocks
            return started.orTimeout(5, TimeUnit.MINUTES).thenAcceptAsync(runId -> {
                consumer.unregister();
                driver.get(url + "#/run/" + runId);
            });
        }

        void blank() {
            driver.get("about:blank");
        }

        /** Proof that the page followed its run: the steps and status it shows. */
        void report() {
            Object shown = driver.executeScript("const rows = document.querySelectorAll('#steps tbody tr').length;"
                    + "const s = document.querySelector('#summary dd.status'); return s ? s.textContent + ', ' + rows + ' step rows' : null;");
            if (shown != null) {
                System.out.println("  (the page showed the run it followed: " + shown + ")");
            }
        }

        @Override
        public void close() {
            driver.quit();
        }
    }
}
