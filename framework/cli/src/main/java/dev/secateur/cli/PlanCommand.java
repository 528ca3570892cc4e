package dev.secateur.cli;

import dev.secateur.config.SecateurConfig;
import dev.secateur.data.DatasetLoader;
import dev.secateur.dsl.ExperimentRunner;
import dev.secateur.dsl.RunResult;
import dev.secateur.dsl.ScriptRunner;
import dev.secateur.record.RunDirectory;
import dev.secateur.runtime.Secateur;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ModelSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code secateur plan SCRIPT [ARGS...]}: runs a script without running its experiments; each
 * {@code run(spec)} prints the experiment's explain-plan instead, which the loader works out over the bus.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Explain what a script's experiments would remove, before anything changes: the unit groups "
                + "(filters and neurons removed together, with their batch-norm channels and the next layers' inputs), "
                + "what is kept whole and why, and the projected params and FLOPs. Nothing is trained or pruned.")
final class PlanCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SCRIPT", description = "The .groovy script, such as scripts/li2016-filters.groovy.")
    Path script;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Passed to the script as args.")
    List<String> args = new ArrayList<>();

    @Option(names = "--config", paramLabel = "FILE", description = "A JSON file laid over config/application.json.")
    Path config;

    @Mixin
    PluginOptions plugins;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var compiled = ScriptRunner.compile(script);
        try (var secateur = Secateur.start(SecateurConfig.load(config), plugins.start(), new DatasetLoader())) {
            try {
                compiled.run(new Planner(secateur, out), args, out);
            } catch (RuntimeException e) {
                if (!String.valueOf(e.getMessage()).contains(RunResult.NO_RESULTS)) {
                    throw e;
                }
                out.println("plan: the script went on to read results, which a plan does not produce; the plans above are complete");
            }
        }
        out.flush();
        return Main.OK;
    }

    /** Prints each experiment's plan where the script would run it. */
    private static final class Planner implements ExperimentRunner {

        private final Secateur secateur;
        private final PrintWriter out;
        private final HashSet<ExperimentSpec> explained = new HashSet<>();
        /**
         * A later experiment may load an earlier one's model-final.zip, which a plan never writes: it is
         * planned with the model the earlier experiment starts from (the same structure when nothing is removed).
         */
        private final HashMap<Path, ModelSpec> plannedModels = new HashMap<>();

        Planner(Secateur secateur, PrintWriter out) {
            this.secateur = secateur;
            this.out = out;
        }

        @Override
        public RunResult run(ExperimentSpec experiment) {
            // a script that calls explain(spec) and then run(spec) gets its plan once
            if (!explained.contains(experiment)) {
                out.print(explain(experiment));
            }
            out.flush();
            Path runDir = Path.of("planned-" + experiment.name());
            plannedModels.put(runDir.resolve(RunDirectory.MODEL), modelOf(experiment));
            return new RunResult(experiment.name(), "plan", runDir, List.of());
        }

        @Override
        public String explain(ExperimentSpec experiment) {
            explained.add(experiment);
            var model = modelOf(experiment);
            return secateur.experiments().explain(model == experiment.model() ? experiment : experiment.withModel(model));
        }

        private ModelSpec modelOf(ExperimentSpec experiment) {
            if (experiment.model() instanceof ModelSpec.Load load && plannedModels.containsKey(load.file())) {
                return plannedModels.get(load.file());
            }
            return experiment.model();
        }
    }
}
