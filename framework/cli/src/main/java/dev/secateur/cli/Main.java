package dev.secateur.cli;

import dev.secateur.plugin.ExitGuard;
import dev.secateur.runtime.Outcome;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/secateur}: run Groovy pruning scripts and list plugins. Exit codes: 0 success, 1 a run
 * failed, 2 bad input (a file, a script, a plugin id, a value).
 */
@Command(name = "secateur", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Neural-network pruning experiments on the JVM.",
        subcommands = {RunCommand.class, ResumeCommand.class, RunsCommand.class, PlanCommand.class, ServeCommand.class, SubmitCommand.class, WorkerCommand.class, PluginsCommand.class,
                NewPluginCommand.class, ExportCommand.class, PredictCommand.class, ReportCommand.class, TableCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    public static final int OK = Outcome.OK;
    public static final int RUN_FAILED = Outcome.RUN_FAILED;
    public static final int BAD_INPUT = Outcome.BAD_INPUT;

    public static void main(String[] args) {
        // before any plugin or script is loaded: from here on, their code cannot end the process
        ExitGuard.install();
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line and returns its exit code; errors are printed as one paragraph, no stack trace. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        var cli = new CommandLine(new Main())
                .setOut(out)
                .setErr(err)
                .setParameterExceptionHandler((e, a) -> {
                    err.println("secateur: " + e.getMessage());
                    e.getCommandLine().usage(err);
                    return BAD_INPUT;
                })
                .setExecutionExceptionHandler((e, command, parsed) -> {
                    err.println("secateur: " + Outcome.describe(e));
                    return Outcome.exitCode(e);
                });
        try {
            return cli.execute(args);
        } catch (Error e) {
            // errors escape picocli's handlers; still one line, not a stack trace
            err.println("secateur: failed: " + e);
            return RUN_FAILED;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"secateur " + dev.secateur.config.Version.get()};
        }
    }
}
