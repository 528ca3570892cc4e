package dev.secateur.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.config.SecateurConfig;
import dev.secateur.errors.BadInputException;
import dev.secateur.files.Sha256;
import dev.secateur.record.Checkpoints;
import dev.secateur.record.RunDirectory;
import dev.secateur.record.RunIndex;
import dev.secateur.record.RunLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code secateur resume RUN}: continues a killed, interrupted, failed or timed-out run from its last
 * checkpoint, by running the script it came from again with {@code --resume}: experiments that finished are
 * skipped, this one continues, and those the script had not reached yet run.
 */
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = "Continue a killed, interrupted, failed or timed-out run from its last checkpoint (the script it came from "
                + "runs again: finished experiments are skipped, this one continues).")
final class ResumeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RUN", description = "The run directory, or a run id under --runs-dir.")
    String run;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments for the script, if not those it was run with.")
    List<String> args = new ArrayList<>();

    @Option(names = "--accept-changes", description = "Continue even if the run's data or a plugin file changed since it "
            + "started (their SHA-256 differ from spec.json's); spec.json records what changed.")
    boolean acceptChanges;

    @Mixin
    ScriptOptions options = new ScriptOptions();

    @Mixin
    PluginOptions plugins;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var dir = locate();
        var status = RunIndex.status(dir, false);
        switch (status) {
            case RUNNING -> throw new BadInputException("run " + dir.getFileName() + " is running in "
                    + RunLock.holder(dir).map(RunLock.Holder::describe).orElse("another process") + "; stop it first (Ctrl-C or "
                    + "kill PID), or wait for it");
            case COMPLETED -> throw new BadInputException("run " + dir.getFileName() + " finished; there is nothing to resume "
                    + "(its results are in " + dir.resolve(RunDirectory.RESULTS) + ")");
            default -> {
            }
        }
        var checkpoint = Checkpoints.latest(dir);
        var json = new ObjectMapper().readTree(dir.resolve(RunDirectory.SPEC).toFile());
        var script = json.path("script");
        if (!script.has("file")) {
            throw new BadInputException("run " + dir.getFileName() + " was not started from a script (spec.json names none), so "
                    + "there is nothing to run again; resume it from your code with run(spec, resume: true)");
        }
        var file = Path.of(script.path("file").asText());
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("run " + dir.getFileName() + " came from " + file + ", which no longer exists; put the "
                    + "script back, or run its experiment again");
        }
        String ranAs = script.path("sha256").asText("");
        if (!ranAs.isEmpty() && !ranAs.equals(Sha256.hex(file))) {
            // the experiment is matched by its settings below; an edit elsewhere in the script is the user's to know of
            spec.commandLine().getErr().println("secateur: note: " + file + " changed since run " + dir.getFileName() + " started "
                    + "(its SHA-256 was " + ranAs.substring(0, Math.min(12, ranAs.length())) + "…); the resume goes on if the script still declares the experiment as it was");
        }
        var scriptArgs = new ArrayList<String>();
        if (args.isEmpty()) {
            script.path("args").forEach(a -> scriptArgs.add(a.asText()));
        } else {
            scriptArgs.addAll(args);
        }
        spec.commandLine().getOut().println("resume: " + dir.getFileName() + " (" + status.name().toLowerCase(Locale.ROOT)
                + ") " + checkpoint.map(c -> "from its checkpoint after step " + c.step()).orElse("from the start, as it had no checkpoint yet")
                + ", by running " + file + " again with --resume");
        var command = new RunCommand();
        command.script = file;
        command.args = scriptArgs;
        command.options.runsDir = dir.getParent();
        command.options.config = options.config;
        command.options.noProgress = options.noProgress;
        command.resume = true;
        command.acceptChanges = acceptChanges;
        command.plugins = plugins;
        command.spec = spec;
        int exit = command.call();
        if (exit == Main.OK && RunIndex.status(dir, false) != RunIndex.Status.COMPLETED) {
            spec.commandLine().getErr().println("secateur: warning: " + file + " ran, but run " + dir.getFileName() + " was not "
                    + "resumed: the script no longer declares its experiment as it was (name and settings)");
            return Main.BAD_INPUT;
        }
        return exit;
    }

    private Path locate() throws IOException {
        var given = Path.of(run);
        Path dir;
        if (Files.isDirectory(given)) {
            dir = given.toAbsolutePath().normalize();
        } else {
            var settings = SecateurConfig.load(options.config);
            var base = options.runsDir != null ? options.runsDir : settings.runsDir();
            dir = new RunIndex(base).find(run).orElseThrow(() -> new BadInputException("no run " + run + " in " + base
                    + "; give a run directory, or the run's id with --runs-dir DIR"));
        }
        if (!Files.isRegularFile(dir.resolve(RunDirectory.SPEC))) {
            throw new BadInputException(dir + " is not a run directory (it has no " + RunDirectory.SPEC + ")");
        }
        return dir;
    }
}
