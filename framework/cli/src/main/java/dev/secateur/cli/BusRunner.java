package dev.secateur.cli;

import dev.secateur.dsl.ExperimentRunner;
import dev.secateur.dsl.RunResult;
import dev.secateur.runtime.Secateur;
import dev.secateur.spec.ExperimentSpec;
import java.nio.file.Path;

/** A script's {@code run(spec)} and {@code explain(spec)}, sent over the event bus of a running Secateur. */
final class BusRunner implements ExperimentRunner {

    private final Secateur secateur;
    private final Path runsDir;

    BusRunner(Secateur secateur, Path runsDir) {
        this.secateur = secateur;
        this.runsDir = runsDir;
    }

    private int calls;

    /** How many experiments the script ran or explained. */
    int calls() {
        return calls;
    }

    @Override
    public RunResult run(ExperimentSpec spec) {
        calls++;
        var done = secateur.experiments().run(spec, runsDir);
        return new RunResult(spec.name(), done.runId(), done.runDir(), done.steps(), done.comparison());
    }

    @Override
    public String explain(ExperimentSpec spec) {
        calls++;
        return secateur.experiments().explain(spec);
    }
}
