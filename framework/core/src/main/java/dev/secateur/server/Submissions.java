package dev.secateur.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.bus.RunEvent;
import dev.secateur.bus.StageReply;
import dev.secateur.dsl.ExperimentRunner;
import dev.secateur.dsl.RunResult;
import dev.secateur.dsl.ScriptRunner;
import dev.secateur.errors.BadInputException;
import dev.secateur.record.RunDirectory;
import dev.secateur.run.RunPlanner;
import dev.secateur.cluster.ClusterSweep;
import dev.secateur.runtime.BusRunner;
import dev.secateur.runtime.Outcome;
import dev.secateur.runtime.Secateur;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ScriptOrigin;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The scripts sent to the server: each declared by a dry run, then run on a thread of a bounded pool through
 * the shared {@link BusRunner}, its runs taking their turn in the {@link RunQueue}; what it does is kept in its
 * {@link Submission} for followers. A run can be resumed the same way: its script runs again with resume.
 */
final class Submissions implements AutoCloseable {

    private static final int KEPT_SUBMISSIONS = 100;
    private static final long DECLARE_SECONDS = 10;
    /** Where submitted scripts are kept under the runs directory, so spec.json can name them and a resume run them again. */
    static final String SCRIPTS_DIR = ".submitted";

    /** What a POST carries: the script's text, the name it is reported under, and its arguments. */
    record Script(String text, String name, List<String> args) {
    }

    private final Secateur secateur;
    private final ServerOptions options;
    private final RunQueue queue;
    private final Clock clock;
    private final ExecutorService scripts;
    /** One per script from its declaration to its end: at most {@link ServerOptions#maxScripts()} at once. */
    private final Semaphore running;
    private final Map<String, Submission> submissions = new LinkedHashMap<>();
    private final Map<String, Submission> byRun = new ConcurrentHashMap<>();
    /** Under serve --cluster, the sweep each of a runAll's runs is in, so that cancelling one stops it on its worker. */
    private final Map<String, ClusterSweep> sweeps = new ConcurrentHashMap<>();
    private final AtomicLong count = new AtomicLong();

    Submissions(Secateur secateur, ServerOptions options, RunQueue queue, Clock clock) {
        this.secateur = secateur;
        this.options = options;
        this.queue = queue;
        this.clock = clock;
        // a script beyond the cap is refused at once (503), never parked holding its text; the permits bound the
        // threads: each script holds one while it runs, and briefly another while its declaration is let go
        this.running = new Semaphore(options.maxScripts());
        this.scripts = Executors.newCachedThreadPool(runnable -> {
            var thread = new Thread(runnable, "secateur-script");
            thread.setDaemon(true);
            return thread;
        });
    }

    Submission find(String id) {
        synchronized (submissions) {
            return submissions.get(id);
        }
    }

    /**
     * Compiles the script, runs it once without running its experiments to learn which it declares, names those
     * runs, and starts it for real. Blocks: call it off the event loop.
     *
     * @throws BadInputException          when the script does not compile or declares a bad experiment
     * @throws RejectedExecutionException when {@link ServerOptions#maxScripts()} scripts are going already (503)
     */
    JsonObject start(Script script) {
        return holding(() -> {
            var compiled = ScriptRunner.compile(script.text(), Path.of(script.name()));
            var declared = new ArrayList<Submission.Declared>();
            for (var spec : declare(compiled, script.args())) {
                declared.add(new Submission.Declared(RunDirectory.newRunId(spec.name(), clock), spec.name()));
            }
            var submission = register(script.name(), declared);
            var origin = new ScriptOrigin(keep(submission.id, script).toString(), script.args());
            return launch(submission, compiled, origin, false, false);
        });
    }

    /** Takes a script's permit for the start; the script's end gives it back, or a start that fails. */
    private JsonObject holding(Supplier<JsonObject> start) {
        if (!running.tryAcquire()) {
            throw busy();
        }
        try {
            return start.get();
        } catch (RuntimeException | Error e) {
            running.release();
            throw e;
        }
    }

    /**
     * Runs the script a run came from again with resume: the run continues from its last checkpoint, the script's
     * finished experiments are skipped, and those it had not reached run. Blocks: call it off the event loop.
     */
    JsonObject resume(String runId, String experiment, JsonNode spec, boolean acceptChanges) {
        var script = spec.path("script");
        if (!script.has("file")) {
            throw new BadInputException("run " + runId + " was not started from a script (its spec.json names none), so there is "
                    + "nothing to run again; resume it from your code with run(spec, resume: true)");
        }
        var file = Path.of(script.path("file").asText());
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BadInputException("run " + runId + " came from " + file + ", which cannot be read (" + e.getMessage()
                    + "); put the script back, or submit its experiment again");
        }
        var args = new ArrayList<String>();
        script.path("args").forEach(a -> args.add(a.asText()));
        return holding(() -> {
            var compiled = ScriptRunner.compile(text, file);
            var submission = register(file.getFileName().toString(), List.of(new Submission.Declared(runId, experiment)));
            return launch(submission, compiled, new ScriptOrigin(file.toString(), args), true, acceptChanges);
        });
    }

    private Submission register(String name, List<Submission.Declared> declared) {
        String id = "s" + count.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
        var submission = new Submission(id, name, declared, options.keptOutputLines());
        synchronized (submissions) {
            submissions.put(id, submission);
            if (submissions.size() > KEPT_SUBMISSIONS) {
                submissions.remove(submissions.keySet().iterator().next());
            }
        }
        return submission;
    }

    private JsonObject launch(Submission submission, ScriptRunner.Compiled compiled, ScriptOrigin origin, boolean resume,
                              boolean acceptChanges) {
        for (var run : submission.declared()) {
            byRun.put(run.runId(), submission);
            queue.declare(run.runId(), run.experiment(), submission.id);
        }
        scripts.execute(() -> {
            try {
                execute(submission, compiled, origin, resume, acceptChanges);
            } finally {
                running.release();
            }
        });
        var runs = new JsonArray();
        submission.declared().forEach(d -> runs.add(new JsonObject().put("id", d.runId()).put("experiment", d.experiment())));
        return new JsonObject().put("submission", submission.id).put("script", submission.script).put("runs", runs)
                .put("events", "/api/submissions/" + submission.id + "/events");
    }

    private RejectedExecutionException busy() {
        return new RejectedExecutionException("this server runs " + options.maxScripts() + " scripts already, its limit; wait for one "
                + "to end (GET /api/runs), or cancel one (DELETE /api/runs/{id}), then submit again");
    }

    /** The script's text in a file of its own, readable by this user only: spec.json names it, and a resume reads it. */
    private Path keep(String id, Script script) {
        try {
            Path dir = options.runsDir().resolve(SCRIPTS_DIR);
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Path file = dir.resolve(id + "-" + script.name()).toAbsolutePath();
            Files.writeString(file, script.text(), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the submitted script under " + options.runsDir().resolve(SCRIPTS_DIR) + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * The experiments a script runs, in order, found by running it with a runner that runs nothing. It stops
     * where the script first reads a result, and after {@value #DECLARE_SECONDS} s; bad input is refused now.
     */
    private List<ExperimentSpec> declare(ScriptRunner.Compiled compiled, List<String> args) {
        var specs = new CopyOnWriteArrayList<ExperimentSpec>();
        var declaring = new ExperimentRunner() {
            @Override
            public RunResult run(ExperimentSpec spec) {
                specs.add(spec);
                return new RunResult(spec.name(), "plan", Path.of("planned-" + spec.name()), List.of());
            }

            /** run(spec, resume: true) declares its experiment as run(spec) does; the real run resumes it. */
            @Override
            public RunResult runOrResume(ExperimentSpec spec) {
                return run(spec);
            }

            @Override
            public String explain(ExperimentSpec spec) {
                return "";
            }
        };
        Future<?> future = scripts.submit(() -> compiled.run(declaring, args, new PrintWriter(Writer.nullWriter())));
        try {
            future.get(DECLARE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BadInputException bad) {
                throw bad;
            }
            if (specs.isEmpty()) {
                // it failed before its first experiment, and would fail the same way when run
                throw new BadInputException(Outcome.describe(e.getCause()) + " (the script failed before it ran any experiment)",
                        e.getCause());
            }
            // the script read a result, which a declaration does not have: the runs it declared so far are known
        }
        // plugin ids, options and schedules are checked now, so a typo is a 400 with its line, not a failed run
        var planner = new RunPlanner(secateur.plugins());
        for (var spec : specs) {
            planner.release(planner.check(spec).pins());
        }
        return List.copyOf(specs);
    }

    private void execute(Submission submission, ScriptRunner.Compiled compiled, ScriptOrigin origin, boolean resume,
                         boolean acceptChanges) {
        var out = new PrintWriter(new LineWriter(line -> submission.append(line("output", new JsonObject().put("line", line)))), true);
        var runner = new BusRunner(secateur, options.runsDir(), origin, resume, out, turns(submission), acceptChanges);
        int exit = Outcome.OK;
        String error = null;
        try {
            compiled.run(runner, origin.args(), out);
        } catch (Throwable e) {
            exit = Outcome.exitCode(e);
            error = "secateur: " + Outcome.describe(e);
        } finally {
            out.close(); // a last line without a newline too
            for (String runId : submission.unreached()) {
                byRun.remove(runId);
                // a script that stopped on an error or a cancel never reached them: they show as CANCELLED; one
                // that took another path than its declaration simply did not run them
                if (exit == Outcome.OK) {
                    queue.forget(runId);
                } else {
                    queue.abandon(runId);
                }
            }
        }
        submission.end(line("end", new JsonObject().put("exit", exit).put("error", error)));
    }

    /**
     * Cancels a run of a {@code serve --cluster} sweep on its worker; false if the run is not one in flight there.
     */
    boolean cancelSwept(String runId) {
        var sweep = sweeps.get(runId);
        return sweep != null && sweep.cancel(runId);
    }

    /** A submission's runs: named as it declared them, run in the server's queue, followed to their last event. */
    private BusRunner.Turns turns(Submission submission) {
        return new BusRunner.Turns() {
            @Override
            public String runId(ExperimentSpec spec) {
                return submission.runIdFor(spec.name(), () -> RunDirectory.newRunId(spec.name(), clock));
            }

            @Override
            public StageReply.ExperimentDone take(String runId, String experiment, Supplier<StageReply.ExperimentDone> work) {
                submission.resumes(runId);
                byRun.put(runId, submission);
                try {
                    return queue.run(runId, experiment, submission.id, work);
                } finally {
                    awaitLastEvent(submission, runId);
                }
            }

            @Override
            public void sweeping(String runId, ClusterSweep sweep) {
                sweeps.put(runId, sweep);
            }

            @Override
            public void swept(String runId) {
                queue.forget(runId);
                sweeps.remove(runId);
            }
        };
    }

    private static void awaitLastEvent(Submission submission, String runId) {
        try {
            submission.awaitFinished(runId, 10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A run event to the submission whose script started the run; its last event lets the submission end. */
    void onRunEvent(RunEvent event) {
        var submission = byRun.get(event.runId());
        if (submission == null) {
            return;
        }
        submission.append(EventFeed.runEvent(event));
        if (EventFeed.ends(event)) {
            byRun.remove(event.runId());
            submission.finished(event.runId());
        }
    }

    private static String line(String type, JsonObject fields) {
        return new JsonObject().put("type", type).mergeIn(fields).encode();
    }

    /** Splits what a script prints into lines. */
    private static final class LineWriter extends Writer {
        private final Consumer<String> lines;
        private final StringBuilder pending = new StringBuilder();

        LineWriter(Consumer<String> lines) {
            this.lines = lines;
        }

        @Override
        public synchronized void write(char[] chars, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                if (chars[i] == '\n') {
                    lines.accept(pending.toString());
                    pending.setLength(0);
                } else if (chars[i] != '\r') {
                    pending.append(chars[i]);
                }
            }
        }

        @Override
        public synchronized void flush() {
        }

        @Override
        public synchronized void close() {
            if (!pending.isEmpty()) {
                lines.accept(pending.toString());
                pending.setLength(0);
            }
        }
    }

    @Override
    public void close() {
        scripts.shutdownNow();
    }
}
