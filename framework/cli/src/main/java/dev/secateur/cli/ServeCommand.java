package dev.secateur.cli;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.PluginEvent;
import dev.secateur.config.SecateurConfig;
import dev.secateur.data.DatasetLoader;
import dev.secateur.errors.BadInputException;
import dev.secateur.runtime.Secateur;
import dev.secateur.server.SecateurServer;
import dev.secateur.server.ServerOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code secateur serve}: Secateur kept running behind an HTTP API, until the process is told to stop. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Keep Secateur running behind an HTTP API: submit scripts (bin/secateur submit), follow, list and "
                + "cancel runs, scrape /metrics. Plugin jars and Groovy sources in the plugin directories are reloaded "
                + "when they change; a run keeps the versions it started with.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "The port (default 8080; 0 picks a free one).")
    int port;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = ServerOptions.LOOPBACK,
            description = "The interface to listen on (default 127.0.0.1). Scripts are code: any other host lets every "
                    + "machine that can reach this one, and holds the token, run code as you.")
    String host;

    @Option(names = "--allow-host", paramLabel = "NAME", split = ",",
            description = "Also answer requests whose Host header is NAME (repeatable): a name this machine has that the server "
                    + "does not know, such as one behind a proxy. Loopback, the bound address and, on 0.0.0.0, this machine's "
                    + "names and addresses are always answered; any other Host is refused, against DNS rebinding.")
    List<String> allowHosts = new ArrayList<>();

    @Option(names = "--runs-dir", paramLabel = "DIR", description = "Where run directories go (default: runs).")
    Path runsDir;

    @Option(names = "--config", paramLabel = "FILE", description = "A JSON file laid over config/application.json.")
    Path config;

    @Option(names = "--max-concurrent-runs", paramLabel = "N",
            description = "Experiments run at once; the others wait in the queue (default: half the cores, at least 1).")
    Integer maxConcurrentRuns;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Where to write the API token, readable by you only (default: ~/.secateur/servers/HOST_PORT.token).")
    Path tokenFile;

    @Option(names = "--cluster", description = "Join the cluster (config/cluster.xml) as a coordinator: sensitivity probes "
            + "go to its workers (bin/secateur worker).")
    boolean clustered;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Mixin
    PluginOptions plugins;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        Flags.port("--port", port);
        if (maxConcurrentRuns != null && maxConcurrentRuns < 1) {
            throw new BadInputException("--max-concurrent-runs " + maxConcurrentRuns
                    + " must be at least 1: the number of experiments the server runs at once");
        }
        var settings = SecateurConfig.load(config);
        if (runsDir != null) {
            settings = settings.withRunsDir(runsDir);
        }
        Flags.writableDirectory(runsDir != null ? "--runs-dir" : "runsDir (config/application.json)", settings.runsDir());
        var options = new ServerOptions(host, port, settings.runsDir(),
                maxConcurrentRuns == null ? ServerOptions.defaultConcurrency() : maxConcurrentRuns, tokenFile,
                ServerOptions.DEFAULT_SCRIPT_LIMIT, allowHosts);
        if (!options.loopback()) {
            err.println("secateur: warning: --host " + host + " accepts scripts from other machines, and scripts are code that "
                    + "runs as you; anyone with the token can run anything. Keep 127.0.0.1 unless you mean it.");
        }
        var clusterSettings = clustered ? cluster.settings() : cluster.requireCluster();
        var pluginHost = plugins.start();
        pluginHost.failures().forEach(f -> err.println("secateur: warning: plugin not loaded: " + f));
        var coordinator = clustered ? Coordinator.join(clusterSettings, out) : null;
        var secateur = Secateur.start(settings, pluginHost, new DatasetLoader(), coordinator == null ? null : coordinator.jobs());
        SecateurServer server;
        try {
            server = SecateurServer.start(secateur, options);
        } catch (RuntimeException e) {
            secateur.close();
            if (coordinator != null) {
                coordinator.close();
            }
            throw e;
        }
        // what the watcher does, in the server's own output too: whoever drops a jar in watches this terminal
        secateur.vertx().eventBus().<PluginEvent>consumer(Addresses.PLUGIN_RELOADED, m -> {
            var e = (PluginEvent.Reloaded) m.body();
            out.println("secateur: plugin " + String.join(", ", e.ids()) + " " + e.version() + " " + e.change() + " (" + e.file() + ")");
            out.flush();
        });
        secateur.vertx().eventBus().<PluginEvent>consumer(Addresses.PLUGIN_RELOAD_FAILED, m -> {
            var e = (PluginEvent.ReloadFailed) m.body();
            String reason = e.reason().contains(e.file()) ? e.reason() : e.file() + ": " + e.reason();
            err.println("secateur: plugin refused: " + reason + (reason.contains("keeps serving") ? "" : "; the previous version keeps serving"));
            err.flush();
        });
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            secateur.close();
            if (coordinator != null) {
                coordinator.close();
            }
            stopped.countDown();
        }, "secateur-stop"));
        out.println("secateur: serving " + server.url() + " (runs in " + options.runsDir().toAbsolutePath() + ", "
                + options.maxConcurrentRuns() + " at a time)");
        out.println("secateur: open the dashboard at " + server.browserUrl() + " (the token in it becomes a cookie)");
        out.println("secateur: API token in " + server.tokenFile() + "; submit with: bin/secateur submit SCRIPT --server " + server.url());
        out.println("secateur: plugins from " + String.join(", ", pluginHost.directories().stream().map(Path::toString).toList())
                + ", reloaded when they change");
        out.flush();
        stopped.await();
        return Main.OK;
    }
}
