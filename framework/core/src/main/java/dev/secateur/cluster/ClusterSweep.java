package dev.secateur.cluster;

import dev.secateur.bus.FailureCode;
import dev.secateur.bus.RunFailedException;
import dev.secateur.data.DatasetLoader;
import dev.secateur.errors.BadInputException;
import dev.secateur.errors.RunCancelledException;
import dev.secateur.record.RunArchive;
import dev.secateur.record.Checkpoints;
import dev.secateur.record.RunDirectory;
import dev.secateur.result.StepResult;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ModelSpec;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * A sweep on the cluster: each experiment runs whole on a worker, all at once as far as the workers' capacity
 * goes, and each run directory comes back into this runs directory under the id chosen here. The data is each
 * worker's own copy, checked against this machine's digest; a loaded model file is shipped once per worker.
 */
public final class ClusterSweep {

    /** One experiment done: where its directory now is, and its rows. */
    public record Finished(String runId, Path runDir, List<StepResult> steps) {
    }

    private final ClusterJobs jobs;
    private final DatasetLoader datasets;
    private final Duration timeout;
    private final PrintWriter out;

    /** @param timeout an experiment's timeout (timeoutSeconds.experiment) */
    public ClusterSweep(ClusterJobs jobs, DatasetLoader datasets, Duration timeout, PrintWriter out) {
        this.jobs = jobs;
        this.datasets = datasets;
        this.timeout = timeout;
        this.out = out;
    }

    /**
     * Runs the experiments and waits for all of them; the results are in the order of {@code specs}. When some
     * fail, the others still finish and are kept, and the first failure in that order is thrown.
     */
    public List<Finished> run(List<ExperimentSpec> specs, Path runsDir) {
        return run(specs, runsDir, spec -> RunDirectory.newRunId(spec.name(), Clock.systemUTC()));
    }

    /** The same, under the run ids a server declared for the experiments. */
    public List<Finished> run(List<ExperimentSpec> specs, Path runsDir, Function<ExperimentSpec, String> runIdFor) {
        var digests = new HashMap<String, String>();
        var models = new HashMap<Path, ModelWire>();
        var futures = new ArrayList<Future<Finished>>();
        for (var spec : specs) {
            String runId = runIdFor.apply(spec);
            var source = spec.data().wholeSource();
            String digest = digests.computeIfAbsent(SpecWire.data(source).encode(), k -> datasets.load(source, 0).sha256());
            ModelWire model = spec.model() instanceof ModelSpec.Load load
                    ? models.computeIfAbsent(load.file().toAbsolutePath(), ClusterSweep::read) : null;
            var job = Jobs.experiment(spec, runId, digest, model == null ? null : model.sha256());
            // unpacked on a worker thread, never on the cluster's event loop
            futures.add(jobs.submit(job, model, timeout, "timeoutSeconds.experiment")
                    .compose(answer -> jobs.node().vertx().executeBlocking(() -> unpack(answer, runsDir, spec, runId), false)));
        }
        try {
            Future.join(futures).toCompletionStage().toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunCancelledException("the sweep was interrupted while its experiments ran on the cluster", true);
        } catch (ExecutionException e) {
            // some failed: reported below, in the order of the specs
        }
        var finished = new ArrayList<Finished>();
        for (int i = 0; i < futures.size(); i++) {
            var future = futures.get(i);
            if (future.failed()) {
                var error = future.cause();
                var code = FailureCode.of(error);
                throw new RunFailedException(code, "experiment '" + specs.get(i).name() + "' failed "
                        + FailureCode.messageOf(error), error instanceof ReplyException ? null : error);
            }
            finished.add(future.result());
        }
        return finished;
    }

    private Finished unpack(JsonObject answer, Path runsDir, ExperimentSpec spec, String asked) {
        var dir = receive(answer, runsDir, spec.name(), asked);
        synchronized (out) {
            out.println("cluster: " + spec.name() + " ran on worker " + answer.getString("worker") + ": " + dir);
            out.flush();
        }
        String runId = asked;
        var steps = Checkpoints.latest(dir).map(Checkpoints.Checkpoint::results).orElse(List.of());
        return new Finished(runId, dir, steps);
    }

    /**
     * Cancels the experiment running (or waiting for a worker) as {@code runId}: its worker stops it at its next
     * stage boundary, and the sweep reports it cancelled. Returns whether it was this sweep's and not done yet.
     */
    public boolean cancel(String runId) {
        return jobs.cancel(job -> Jobs.EXPERIMENT.equals(job.getString("type")) && runId.equals(job.getString("runId")),
                "run " + runId + " was cancelled; its worker stops it at its next stage boundary") > 0;
    }

    /**
     * A run sent back, written under {@code runsDir} only if it is the run asked for and its archive passes
     * {@link RunArchive}'s checks; otherwise refused, and nothing is written.
     */
    static Path receive(JsonObject answer, Path runsDir, String experiment, String asked) {
        String runId = answer.getString("runId");
        if (!asked.equals(runId)) {
            throw new BadInputException("worker " + answer.getString("worker") + " sent back run '" + runId + "' for experiment '"
                    + experiment + "', which was asked to run as '" + asked + "'; the run is refused and nothing is written");
        }
        var dir = runsDir.resolve(Jobs.runId(runId));
        try {
            Files.createDirectories(runsDir);
            RunArchive.unzip(answer.getString("archive"), dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write run " + runId + " into " + runsDir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    private static ModelWire read(Path file) {
        try {
            return ModelWire.of(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new BadInputException("cannot read model file " + file + " to send it to the cluster: " + e.getMessage());
        }
    }
}
