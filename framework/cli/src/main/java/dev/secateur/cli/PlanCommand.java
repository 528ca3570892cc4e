package dev.secateur.cli;

import dev.secateur.dsl.ExperimentRunner;
import dev.secateur.dsl.RunResult;
import dev.secateur.dsl.ScriptRunner;
import dev.secateur.spec.ExperimentSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code secateur plan SCRIPT [ARGS...]}: runs a script without running its experiments; each
 * {@code run(spec)} prints the experiment's explain-plan instead.
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

    @Spec
    CommandSpec spec;

    private static ExperimentSpec withModel(ExperimentSpec s, dev.secateur.spec.ModelSpec model) {
        return new ExperimentSpec(s.name(), s.seed(), model, s.data(), s.saliency(), s.granularity(), s.scope(), s.schedule(),
                s.finetune(), s.evaluate(), s.declaredAt(), s.compare(), s.sensitivity(), s.shrink());
    }

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var compiled = ScriptRunner.compile(script);
        var explained = new java.util.HashSet<ExperimentSpec>();
        // a later experiment may load an earlier one's model-final.zip, which a plan never writes:
        // it is planned with the model the earlier experiment starts from (same structure when nothing is removed)
        var plannedModels = new java.util.HashMap<Path, dev.secateur.spec.ModelSpec>();
        var planner = new ExperimentRunner() {
            @Override
            public RunResult run(ExperimentSpec experiment) {
                // a script that calls explain(spec) and then run(spec) gets its plan once
                if (!explained.contains(experiment)) {
                    out.print(explain(experiment));
                }
                out.flush();
                Path runDir = Path.of("planned-" + experiment.name());
                plannedModels.put(runDir.resolve(dev.secateur.run.RunDirectory.MODEL), modelOf(experiment));
                return new RunResult(experiment.name(), "plan", runDir, List.of());
            }

            @Override
            public String explain(ExperimentSpec experiment) {
                explained.add(experiment);
                var model = modelOf(experiment);
                return ExperimentRunner.super.explain(model == experiment.model() ? experiment : withModel(experiment, model));
            }

            private dev.secateur.spec.ModelSpec modelOf(ExperimentSpec experiment) {
                if (experiment.model() instanceof dev.secateur.spec.ModelSpec.Load load && plannedModels.containsKey(load.file())) {
                    return plannedModels.get(load.file());
                }
                return experiment.model();
            }
        };
        try {
            compiled.run(planner, args, out);
        } catch (RuntimeException e) {
            if (!String.valueOf(e.getMessage()).contains(RunResult.NO_RESULTS)) {
                throw e;
            }
            out.println("plan: the script went on to read results, which a plan does not produce; the plans above are complete");
        }
        out.flush();
        return Main.OK;
    }
}
