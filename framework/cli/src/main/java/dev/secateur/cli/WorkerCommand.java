package dev.secateur.cli;

import dev.secateur.cluster.ClusterNode;
import dev.secateur.cluster.ClusterWorker;
import dev.secateur.cluster.DataDirectories;
import dev.secateur.config.SecateurConfig;
import dev.secateur.data.DatasetLoader;
import dev.secateur.errors.BadInputException;
import dev.secateur.record.Checkpoints;
import dev.secateur.runtime.Secateur;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
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

/** {@code secateur worker}: joins the cluster and runs the jobs coordinators send, until stopped. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Join a Secateur cluster and run its independent jobs (sensitivity probes, the oracle's units, the experiments of a "
                + "sweep) until stopped with Ctrl-C. Coordinators are bin/secateur run --cluster and serve --cluster.")
final class WorkerCommand implements Callable<Integer> {

    @Option(names = "--capacity", paramLabel = "N", defaultValue = "1",
            description = "Jobs this worker runs at once (default 1). Timed sections never overlap on one machine, whatever this says.")
    int capacity;

    @Option(names = "--host", paramLabel = "NAME",
            description = "How the cluster's messages name this worker (default: the host name).")
    String host;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where received models and a sweep's runs in progress are kept (default: a new temporary directory).")
    Path workDir;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "A directory jobs may read data from, with everything below it; repeat for more (default: "
                    + "/usr/share/datasets/fashion-mnist). A job that names any other directory is refused.")
    List<Path> dataDirs = new ArrayList<>();

    @Option(names = "--model-cache-mb", paramLabel = "MB", defaultValue = "2048",
            description = "The most the received models may take in the work directory (default 2048); the least recently used go first.")
    long modelCacheMb;

    @Option(names = "--config", paramLabel = "FILE", description = "A JSON file laid over config/application.json.")
    Path config;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Mixin
    PluginOptions plugins;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (capacity < 1) {
            throw new BadInputException("--capacity " + capacity + " must be 1 or more: the jobs this worker runs at once");
        }
        if (modelCacheMb < 1) {
            throw new BadInputException("--model-cache-mb " + modelCacheMb + " must be 1 or more: the megabytes received models may take");
        }
        for (Path dir : dataDirs) {
            if (!Files.isDirectory(dir)) {
                throw new BadInputException("--data-dir " + dir + " is not a directory; give one that holds the data jobs read (IDX files, CSV, images or text)");
            }
        }
        var dataDirectories = dataDirs.isEmpty() ? DataDirectories.installed() : new DataDirectories(dataDirs);
        var settings = SecateurConfig.load(config);
        var clusterSettings = cluster.settings();
        String name = host != null ? host : InetAddress.getLocalHost().getHostName();
        Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("secateur-worker-");
        Flags.writableDirectory(workDir != null ? "--work-dir" : "the temporary directory", dir);
        var pluginHost = plugins.start();
        pluginHost.failures().forEach(f -> err.println("secateur: warning: plugin not loaded: " + f));
        var secateur = Secateur.start(settings.withRunsDir(dir.resolve("runs")), pluginHost, new DatasetLoader());
        ClusterNode node;
        try {
            node = ClusterNode.join(clusterSettings);
        } catch (RuntimeException e) {
            secateur.close();
            throw e;
        }
        var worker = ClusterWorker.start(node, name, capacity, dir, new DatasetLoader(), secateur.experiments(),
                line -> {
                    synchronized (out) {
                        out.println(line);
                        out.flush();
                    }
                }, dataDirectories, modelCacheMb * 1024 * 1024);
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            node.close();
            secateur.close();
            if (workDir == null) {
                try {
                    Checkpoints.deleteRecursively(dir);
                } catch (IOException e) {
                    err.println("secateur: could not delete the worker's temporary directory " + dir + ": " + e.getMessage());
                }
            }
            stopped.countDown();
        }, "secateur-worker-stop"));
        out.println("worker: " + worker.info().describe() + " joined " + clusterSettings.describe() + ", capacity "
                + capacity + "; models and runs in progress in " + dir);
        out.println("worker: waiting for jobs (Ctrl-C stops)");
        out.flush();
        stopped.await();
        return Main.OK;
    }
}
