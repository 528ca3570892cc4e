package dev.secateur.cli;

import dev.secateur.data.DatasetLoader;
import dev.secateur.dsl.ScriptRunner;
import dev.secateur.errors.BadInputException;
import dev.secateur.metrics.MetricsServer;
import dev.secateur.runtime.Secateur;
import dev.secateur.server.DashboardServer;
import dev.secateur.config.SecateurConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
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

    @Option(names = "--runs-dir", paramLabel = "DIR", description = "Where run directories go (default: runs).")
    Path runsDir;

    @Option(names = "--metrics-port", paramLabel = "N",
            description = "Serve Prometheus metrics at http://127.0.0.1:N/metrics while the command runs (0 picks a free port).")
    Integer metricsPort;

    @Option(names = "--dashboard", paramLabel = "PORT", arity = "0..1", fallbackValue = "8080", preprocessor = OptionalPort.class,
            description = "Serve the live dashboard at http://127.0.0.1:PORT/ while the command runs (default 8080; 0 picks a free port).")
    Integer dashboardPort;

    @Option(names = "--linger", paramLabel = "DURATION", converter = Durations.class,
            description = "Keep serving the dashboard and metrics this long after the script ends, such as 30s or 2m, so a "
                    + "scraper or a page sees the final values.")
    java.time.Duration linger;

    @Option(names = "--config", paramLabel = "FILE", description = "A JSON file laid over config/application.json.")
    Path config;

    @Option(names = "--no-progress", description = "Print a line per epoch instead of progress bars.")
    boolean noProgress;

    @Mixin
    PluginOptions plugins;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var compiled = ScriptRunner.compile(script); // a syntax error stops here, before anything starts
        var settings = SecateurConfig.load(config);
        if (runsDir != null) {
            settings = settings.withRunsDir(runsDir);
        }
        if (linger != null && metricsPort == null && dashboardPort == null) {
            spec.commandLine().getErr().println("secateur: warning: --linger keeps the dashboard or the metrics served after the "
                    + "script; give --dashboard or --metrics-port too, or it has nothing to keep");
        }
        var host = plugins.start();
        host.failures().forEach(f -> spec.commandLine().getErr().println("secateur: warning: plugin not loaded: " + f));
        var target = settings.runsDir();
        try (var secateur = Secateur.start(settings, host, new DatasetLoader());
             var reporter = ConsoleReporter.onBus(secateur.vertx(), out, !noProgress && System.console() != null)) {
            if (metricsPort != null) {
                startMetrics(secateur, out);
            }
            DashboardServer dashboard = null;
            if (dashboardPort != null) {
                dashboard = DashboardServer.start(secateur, target, dashboardPort);
                out.println("dashboard: " + dashboard.url());
                out.flush();
            }
            boolean succeeded = false;
            try {
                compiled.run(new BusRunner(secateur, target), args, out);
                succeeded = true;
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

    private void startMetrics(Secateur secateur, java.io.PrintWriter out) throws InterruptedException {
        try {
            var server = MetricsServer.start(secateur.vertx(), secateur.registry(), metricsPort)
                    .toCompletionStage().toCompletableFuture().get();
            out.println("metrics: http://127.0.0.1:" + server.actualPort() + MetricsServer.PATH);
            out.flush();
        } catch (ExecutionException e) {
            throw new BadInputException("cannot serve metrics on 127.0.0.1:" + metricsPort + " (" + e.getCause().getMessage()
                    + "); choose another --metrics-port, or 0 for a free one");
        }
    }

    /** {@code --dashboard} takes the next argument as its port only if it is a number, so {@code --dashboard SCRIPT} works. */
    static final class OptionalPort implements picocli.CommandLine.IParameterPreprocessor {
        @Override
        public boolean preprocess(java.util.Stack<String> args, CommandSpec commandSpec, picocli.CommandLine.Model.ArgSpec argSpec,
                                  java.util.Map<String, Object> info) {
            if ("=".equals(info.get("separator")) || !args.isEmpty() && args.peek().matches("\\d+")) {
                return false; // picocli reads the value
            }
            args.push("8080");
            return false;
        }
    }
}
