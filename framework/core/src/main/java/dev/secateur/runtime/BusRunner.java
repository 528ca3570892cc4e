package dev.secateur.cli;

import dev.secateur.dsl.ExperimentRunner;
import dev.secateur.dsl.RunResult;
import dev.secateur.runtime.Secateur;
import dev.secateur.spec.ExperimentSpec;
import java.nio.file.Path;
import java.util.List;

/** A script's {@code run(spec)} and {@code explain(spec)}, sent over the event bus of a running Secateur. */
final class BusRunner implements ExperimentRunner {

    private final Secateur secateur;
    private final Path runsDir;
    private final dev.secateur.spec.ScriptOrigin script;
    private final boolean resumeAll;
    private final java.io.PrintWriter out;

    BusRunner(Secateur secateur, Path runsDir) {
        this(secateur, runsDir, null, false, new java.io.PrintWriter(java.io.Writer.nullWriter()));
    }

    /**
     * @param script    kept in spec.json, so the run can be resumed
     * @param resumeAll every run(spec) as run(spec, resume: true): what run --resume and resume RUN do
     */
    BusRunner(Secateur secateur, Path runsDir, dev.secateur.spec.ScriptOrigin script, boolean resumeAll, java.io.PrintWriter out) {
        this.secateur = secateur;
        this.runsDir = runsDir;
        this.script = script;
        this.resumeAll = resumeAll;
        this.out = out;
    }

    private int calls;
    /** Whether the script is inside run() or explain(), loading included: time there is not the script's own. */
    private volatile boolean busy;

    /** How many experiments the script ran or explained. */
    int calls() {
        return calls;
    }

    boolean busy() {
        return busy;
    }

    private <T> T busy(java.util.function.Supplier<T> call) {
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
        var done = busy(() -> secateur.experiments().runFrom(script, spec, runsDir));
        return new RunResult(spec.name(), done.runId(), done.runDir(), done.steps(), done.comparison());
    }

    @Override
    public RunResult runOrResume(ExperimentSpec spec) {
        calls++;
        return busy(() -> resumeOrRun(spec));
    }

    private RunResult resumeOrRun(ExperimentSpec spec) {
        var previous = new dev.secateur.record.RunIndex(runsDir).latestRunOf(spec.name(), spec.key());
        if (previous.isEmpty()) {
            var done = secateur.experiments().runFrom(script, spec, runsDir);
            return new RunResult(spec.name(), done.runId(), done.runDir(), done.steps(), done.comparison());
        }
        var dir = previous.get();
        var status = dev.secateur.record.RunIndex.status(dir, false);
        var checkpoint = dev.secateur.record.Checkpoints.latest(dir);
        switch (status) {
            case RUNNING -> throw new dev.secateur.errors.BadInputException("run " + dir.getFileName() + " of experiment '"
                    + spec.name() + "' is running in " + dev.secateur.record.RunLock.holder(dir).map(dev.secateur.record.RunLock.Holder::describe)
                    .orElse("another process") + "; wait for it to end, or stop it, before resuming");
            case COMPLETED -> {
                if (checkpoint.isPresent()) {
                    out.println("resume: " + dir.getFileName() + " finished before; its results are used, not run again");
                    out.flush();
                    return new RunResult(spec.name(), dir.getFileName().toString(), dir, checkpoint.get().results(), List.of());
                }
            }
            default -> {
                out.println("resume: " + dir.getFileName() + " (" + status.name().toLowerCase(java.util.Locale.ROOT) + ") "
                        + checkpoint.map(c -> "continues after step " + c.step()).orElse("had no checkpoint yet, so it starts again"));
                out.flush();
                var done = secateur.experiments().resume(spec, dir);
                return new RunResult(spec.name(), done.runId(), done.runDir(), done.steps(), done.comparison());
            }
        }
        // a completed run from before checkpoints: its rows are not kept in a form to reuse, so it runs again
        var done = secateur.experiments().runFrom(script, spec, runsDir);
        return new RunResult(spec.name(), done.runId(), done.runDir(), done.steps(), done.comparison());
    }

    /** Under --cluster, every experiment at once, each whole on a worker; otherwise one after another. */
    @Override
    public List<RunResult> runAll(List<ExperimentSpec> specs) {
        var cluster = secateur.cluster();
        if (cluster.isEmpty() || resumeAll) {
            return ExperimentRunner.super.runAll(specs);
        }
        calls += specs.size();
        var sweep = new dev.secateur.cluster.ClusterSweep(cluster.get(), new dev.secateur.data.DatasetLoader(),
                secateur.config().timeout(dev.secateur.config.SecateurConfig.EXPERIMENT), out);
        var finished = busy(() -> sweep.run(specs, runsDir));
        return java.util.stream.IntStream.range(0, specs.size()).mapToObj(i -> new RunResult(specs.get(i).name(),
                finished.get(i).runId(), finished.get(i).runDir(), finished.get(i).steps(), List.of())).toList();
    }

    @Override
    public String explain(ExperimentSpec spec) {
        calls++;
        return busy(() -> secateur.experiments().explain(spec));
    }
}
