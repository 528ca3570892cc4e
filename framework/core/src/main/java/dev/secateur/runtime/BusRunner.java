package dev.secateur.runtime;

import dev.secateur.bus.StageReply;
import dev.secateur.cluster.ClusterSweep;
import dev.secateur.config.SecateurConfig;
import dev.secateur.data.DatasetLoader;
import dev.secateur.dsl.ExperimentRunner;
import dev.secateur.dsl.RunResult;
import dev.secateur.errors.BadInputException;
import dev.secateur.record.Checkpoints;
import dev.secateur.record.RunDirectory;
import dev.secateur.record.RunIndex;
import dev.secateur.record.RunLock;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ScriptOrigin;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * A script's {@code run(spec)}, {@code run(spec, resume: true)}, sweeps and {@code explain(spec)}, sent over the
 * event bus of a running Secateur: what {@code bin/secateur run}, {@code resume} and the server's submissions
 * share. How a run gets its id and its turn is the caller's ({@link Turns}): the command line runs at once,
 * the server through its queue.
 */
public final class BusRunner implements ExperimentRunner {

    /** How a runner's experiments get their ids and take their turn. */
    public interface Turns {

        /** The id a new run of this experiment gets; null lets the coordinator name it. */
        String runId(ExperimentSpec spec);

        /** Runs the work when the run may start, and waits for it; {@code runId} may be null for a new run. */
        StageReply.ExperimentDone take(String runId, String experiment, Supplier<StageReply.ExperimentDone> work);

        /** A sweep's run goes to the cluster's workers, outside the turns; {@code sweep} cancels it there. */
        default void sweeping(String runId, ClusterSweep sweep) {
        }

        /** A sweep's run, which ran on the cluster's workers outside the turns, has ended. */
        void swept(String runId);

        /** Every run at once under the coordinator's ids: the command line's turns. */
        Turns AT_ONCE = new Turns() {
            @Override
            public String runId(ExperimentSpec spec) {
                return null;
            }

            @Override
            public StageReply.ExperimentDone take(String runId, String experiment, Supplier<StageReply.ExperimentDone> work) {
                return work.get();
            }

            @Override
            public void swept(String runId) {
            }
        };
    }

    private final Secateur secateur;
    private final Path runsDir;
    private final ScriptOrigin script;
    private final boolean resumeAll;
    private final PrintWriter out;
    private final Turns turns;
    private final boolean acceptChanges;

    public BusRunner(Secateur secateur, Path runsDir) {
        this(secateur, runsDir, null, false, new PrintWriter(Writer.nullWriter()), Turns.AT_ONCE);
    }

    public BusRunner(Secateur secateur, Path runsDir, ScriptOrigin script, boolean resumeAll, PrintWriter out, Turns turns) {
        this(secateur, runsDir, script, resumeAll, out, turns, false);
    }

    /**
     * @param script    kept in spec.json, so the run can be resumed
     * @param resumeAll every run(spec) as run(spec, resume: true): what run --resume and resume RUN do
     * @param turns     how runs get their ids and their turn
     * @param acceptChanges every resume goes on even if the run's data or plugin files changed (recorded in spec.json)
     */
    public BusRunner(Secateur secateur, Path runsDir, ScriptOrigin script, boolean resumeAll, PrintWriter out, Turns turns,
                     boolean acceptChanges) {
        this.acceptChanges = acceptChanges;
        this.secateur = secateur;
        this.runsDir = runsDir;
        this.script = script;
        this.resumeAll = resumeAll;
        this.out = out;
        this.turns = turns;
    }

    private int calls;
    /** Whether the script is inside run() or explain(), loading included: time there is not the script's own. */
    private volatile boolean busy;

    /** How many experiments the script ran or explained. */
    public int calls() {
        return calls;
    }

    public boolean busy() {
        return busy;
    }

    private <T> T busy(Supplier<T> call) {
        busy = true;
        try {
            return call.get();
        } finally {
            busy = false;
        }
    }

    @Override
    public RunResult run(ExperimentSpec spec) {
        if (resumeAll) {
            return runOrResume(spec);
        }
        calls++;
        return busy(() -> runNew(spec));
    }

    private RunResult runNew(ExperimentSpec spec) {
        String runId = turns.runId(spec);
        var done = turns.take(runId, spec.name(), () -> secateur.experiments().runFrom(script, spec, runsDir, runId));
        return new RunResult(spec.name(), done.runId(), done.runDir(), done.steps(), done.comparison());
    }

    @Override
    public RunResult runOrResume(ExperimentSpec spec) {
        return runOrResume(spec, false);
    }

    @Override
    public RunResult runOrResume(ExperimentSpec spec, boolean acceptChanges) {
        calls++;
        return busy(() -> resumeOrRun(spec, acceptChanges || this.acceptChanges));
    }

    private RunResult resumeOrRun(ExperimentSpec spec, boolean acceptChanges) {
        var previous = new RunIndex(runsDir).latestRunOf(spec);
        if (previous.isEmpty()) {
            return runNew(spec);
        }
        var dir = previous.get();
        var status = RunIndex.status(dir, false);
        var checkpoint = Checkpoints.latest(dir);
        switch (status) {
            case RUNNING -> throw new BadInputException("run " + dir.getFileName() + " of experiment '"
                    + spec.name() + "' is running in " + RunLock.holder(dir).map(RunLock.Holder::describe)
                    .orElse("another process") + "; wait for it to end, or stop it, before resuming");
            case COMPLETED -> {
                if (checkpoint.isPresent()) {
                    out.println("resume: " + dir.getFileName() + " finished before; its results are used, not run again");
                    out.flush();
                    return new RunResult(spec.name(), dir.getFileName().toString(), dir, checkpoint.get().results(), List.of());
                }
            }
            default -> {
                out.println("resume: " + dir.getFileName() + " (" + status.name().toLowerCase(Locale.ROOT) + ") "
                        + checkpoint.map(c -> "continues after step " + c.step()).orElse("had no checkpoint yet, so it starts again"));
                out.flush();
                var done = turns.take(dir.getFileName().toString(), spec.name(), () -> secateur.experiments().resume(spec, dir, acceptChanges));
                return new RunResult(spec.name(), done.runId(), done.runDir(), done.steps(), done.comparison());
            }
        }
        // a completed run from before checkpoints: its rows are not kept in a form to reuse, so it runs again
        return runNew(spec);
    }

    /** Under --cluster, every experiment at once, each whole on a worker; otherwise one after another. */
    @Override
    public List<RunResult> runAll(List<ExperimentSpec> specs) {
        var cluster = secateur.cluster();
        if (cluster.isEmpty() || resumeAll) {
            return ExperimentRunner.super.runAll(specs);
        }
        calls += specs.size();
        var sweep = new ClusterSweep(cluster.get(), new DatasetLoader(), secateur.config().timeout(SecateurConfig.EXPERIMENT), out);
        var runIds = new ArrayList<String>();
        try {
            var finished = busy(() -> sweep.run(specs, runsDir, spec -> {
                String runId = turns.runId(spec);
                String named = runId != null ? runId : RunDirectory.newRunId(spec.name(), Clock.systemUTC());
                runIds.add(named);
                turns.sweeping(named, sweep);
                return named;
            }));
            return IntStream.range(0, specs.size()).mapToObj(i -> new RunResult(specs.get(i).name(),
                    finished.get(i).runId(), finished.get(i).runDir(), finished.get(i).steps(), List.of())).toList();
        } finally {
            runIds.forEach(turns::swept);
        }
    }

    @Override
    public String explain(ExperimentSpec spec) {
        calls++;
        return busy(() -> secateur.experiments().explain(spec));
    }
}
