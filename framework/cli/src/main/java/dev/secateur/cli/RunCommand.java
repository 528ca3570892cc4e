package dev.secateur.cli;

import dev.secateur.config.SecateurConfig;
import dev.secateur.data.DatasetLoader;
import dev.secateur.dsl.ScriptRunner;
import dev.secateur.errors.BadInputException;
import dev.secateur.errors.ScriptFailedException;
import dev.secateur.metrics.MetricsServer;
import dev.secateur.record.RunIndex;
import dev.secateur.runtime.BusRunner;
import dev.secateur.runtime.Secateur;
import dev.secateur.server.ApiToken;
import dev.secateur.server.DashboardServer;
import dev.secateur.spec.ScriptOrigin;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Stack;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code secateur run SCRIPT [ARGS...]}: runs a Groovy experiment script. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a Groovy experiment script: train or load a model, prune it on a schedule, report.")
final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SCRIPT", description = "The .groovy script, such as scripts/quickstart.groovy.")
    Path script;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Passed to the script as args.")
    List<String> args = new ArrayList<>();

    @Option(names = "--metrics-port", paramLabel = "N",
            description = "Serve Prometheus metrics at http://127.0.0.1:N/metrics while the command runs (0 picks a free port), "
                    + "to a scraper that sends the bearer token written to ~/.secateur/servers/127.0.0.1_N.token.")
    Integer metricsPort;

    @Option(names = "--dashboard", paramLabel = "PORT", arity = "0..1", fallbackValue = "8080", preprocessor = OptionalPort.class,
            description = "Serve the live dashboard at http://127.0.0.1:PORT/ while the command runs (default 8080; 0 picks a free "
                    + "port). Open the URL it prints: it carries the page's token once.")
    Integer dashboardPort;

    @Option(names = "--linger", paramLabel = "DURATION", converter = Durations.class,
            description = "Keep serving the dashboard and metrics this long after the script ends, such as 30s or 2m, so a "
                    + "scraper or a page sees the final values.")
    Duration linger;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class,
            description = "Stop the script, and the experiment it is running, after this long, such as 90m or 12h. Without it, "
                    + "only time outside experiments is limited (timeoutSeconds.script in config/application.json, 600 s).")
    Duration timeout;

    @Option(names = "--resume", description = "Skip the script's experiments that finished in the runs directory (their "
            + "results are used) and continue those that were killed, interrupted or failed from their last checkpoint.")
    boolean resume;

    @Option(names = "--accept-changes", description = "With --resume: continue a run even if the data or a plugin file it "
            + "reads changed since it started (their SHA-256 differ from spec.json's); spec.json records what changed.")
    boolean acceptChanges;

    @Option(names = "--cluster", description = "Join the cluster (config/cluster.xml) as its coordinator: a sensitivity "
            + "analysis's probes and runAll's experiments go to the workers (bin/secateur worker).")
    boolean clustered;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Mixin
    ScriptOptions options = new ScriptOptions();

    @Mixin
    PluginOptions plugins;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        Flags.port("--metrics-port", metricsPort);
        Flags.port("--dashboard", dashboardPort);
        var compiled = ScriptRunner.compile(script); // a syntax error stops here, before anything starts
        var settings = SecateurConfig.load(options.config);
        if (options.runsDir != null) {
            settings = settings.withRunsDir(options.runsDir);
        }
        Flags.writableDirectory(options.runsDir != null ? "--runs-dir" : "runsDir (config/application.json)", settings.runsDir());
        if (linger != null && metricsPort == null && dashboardPort == null) {
            spec.commandLine().getErr().println("secateur: warning: --linger keeps the dashboard or the metrics served after the "
                    + "script; give --dashboard or --metrics-port too, or it has nothing to keep");
        }
        var clusterSettings = clustered ? cluster.settings() : cluster.requireCluster();
        var host = plugins.start();
        host.failures().forEach(f -> spec.commandLine().getErr().println("secateur: warning: plugin not loaded: " + f));
        var target = settings.runsDir();
        try (var coordinator = clustered ? Coordinator.join(clusterSettings, out) : null;
             var secateur = Secateur.start(settings, host, new DatasetLoader(), coordinator == null ? null : coordinator.jobs());
             var reporter = ConsoleReporter.onBus(secateur.vertx(), out, !options.noProgress && System.console() != null)) {
            if (metricsPort != null) {
                startMetrics(secateur, out);
            }
            DashboardServer dashboard = null;
            if (dashboardPort != null) {
                dashboard = DashboardServer.start(secateur, target, dashboardPort);
                out.println("dashboard: " + dashboard.url());
                out.println("dashboard: token in " + dashboard.tokenFile() + " (for curl: Authorization: Bearer TOKEN)");
                out.flush();
            }
            boolean succeeded = false;
            var runner = new BusRunner(secateur, target, new ScriptOrigin(script.toAbsolutePath().normalize().toString(), args),
                    resume, out, BusRunner.Turns.AT_ONCE, acceptChanges);
            try (var watchdog = new ScriptWatchdog(secateur, Thread.currentThread(), timeout, settings.timeout(SecateurConfig.SCRIPT),
                    runner::busy);
                 var signals = Signals.onInterrupt(watchdog::interruptBy)) {
                try {
                    compiled.run(runner, args, out);
                } catch (RuntimeException e) {
                    if (watchdog.reason() == null) {
                        throw e;
                    }
                    Thread.interrupted(); // the interrupt has done its work; the stopped run may still be writing
                    String runDir = watchdog.stoppedRunDir();
                    watchdog.awaitNoRun(Duration.ofMinutes(1));
                    if (watchdog.signal() != null) {
                        out.flush();
                        spec.commandLine().getErr().println("secateur: " + watchdog.reason() + interruptedRun(runDir));
                        return Signals.exitCode(watchdog.signal());
                    }
                    throw new ScriptFailedException(script + lineOf(e) + ": stopped: " + watchdog.reason(), null);
                }
                Thread.interrupted(); // a stop that came as the script returned must not cut the linger or the shutdown
                if (watchdog.signal() != null) {
                    out.flush();
                    spec.commandLine().getErr().println("secateur: " + watchdog.reason() + interruptedRun(watchdog.stoppedRunDir()));
                    return Signals.exitCode(watchdog.signal());
                }
                succeeded = true;
                if (runner.calls() == 0) {
                    spec.commandLine().getErr().println("secateur: note: " + script + " ran no experiment; a script passes "
                            + "one to run(...), as scripts/quickstart.groovy does");
                }
            } finally {
                out.flush();
                if (linger != null && (metricsPort != null || dashboard != null)) {
                    out.println("secateur: the script " + (succeeded ? "ended" : "failed (the error follows)") + "; serving "
                            + (dashboard != null ? "the dashboard and " : "") + "metrics for " + Durations.describe(linger)
                            + " more (Ctrl-C stops)");
                    out.flush();
                    Thread.sleep(linger.toMillis());
                }
                if (dashboard != null) {
                    dashboard.close();
                }
            }
        }
        return Main.OK;
    }

    /** What became of the run a signal stopped: marked INTERRUPTED (and how to resume it), or it had just ended. */
    private static String interruptedRun(String runDir) {
        if (runDir == null) {
            return "; no run was in progress";
        }
        var dir = Path.of(runDir);
        var status = RunIndex.status(dir, false);
        if (status == RunIndex.Status.INTERRUPTED) {
            return "; run " + dir.getFileName() + " is marked INTERRUPTED, resume it with: bin/secateur resume " + dir;
        }
        if (status == RunIndex.Status.RUNNING) {
            return "; run " + dir.getFileName() + " was still stopping; once it has, resume it with: bin/secateur resume " + dir;
        }
        return "; run " + dir.getFileName() + " had already ended (" + status.name().toLowerCase(Locale.ROOT) + ")";
    }

    /** ":LINE" when an error's message starts with this script's file and line, else "". */
    private String lineOf(RuntimeException e) {
        var m = Pattern.compile("^" + Pattern.quote(script.toString()) + ":(\\d+):")
                .matcher(String.valueOf(e.getMessage()));
        return m.find() ? ":" + m.group(1) : "";
    }

    private void startMetrics(Secateur secateur, PrintWriter out) throws InterruptedException {
        var token = ApiToken.generate();
        var tokenFile = new AtomicReference<Path>();
        try {
            var server = MetricsServer.start(secateur.vertx(), secateur.registry(), metricsPort, token::accepts,
                            () -> String.valueOf(tokenFile.get()))
                    .toCompletionStage().toCompletableFuture().get();
            // where a scraper finds it for this port: Prometheus reads credentials_file at every scrape
            var file = token.writeTo(ApiToken.defaultFile("127.0.0.1", server.actualPort()));
            tokenFile.set(file);
            file.toFile().deleteOnExit();
            out.println("metrics: http://127.0.0.1:" + server.actualPort() + MetricsServer.PATH);
            out.println("metrics: token in " + file + " (Authorization: Bearer TOKEN; Prometheus: authorization.credentials_file)");
            out.flush();
        } catch (ExecutionException e) {
            throw new BadInputException("cannot serve metrics on 127.0.0.1:" + metricsPort + " (" + e.getCause().getMessage()
                    + "); choose another --metrics-port, or 0 for a free one");
        }
    }

    /** {@code --dashboard} takes the next argument as its port only if it is a number, so {@code --dashboard SCRIPT} works. */
    static final class OptionalPort implements picocli.CommandLine.IParameterPreprocessor {
        @Override
        public boolean preprocess(Stack<String> args, CommandSpec commandSpec, picocli.CommandLine.Model.ArgSpec argSpec,
                                  Map<String, Object> info) {
            if ("=".equals(info.get("separator")) || !args.isEmpty() && args.peek().matches("\\d+")) {
                return false; // picocli reads the value
            }
            args.push("8080");
            return false;
        }
    }
}
