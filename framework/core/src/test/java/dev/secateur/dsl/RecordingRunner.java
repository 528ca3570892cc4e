package dev.secateur.dsl;

import dev.secateur.spec.ExperimentSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A runner for DSL tests: it records what a script submits and explains, and runs nothing. */
class RecordingRunner implements ExperimentRunner {

    final List<ExperimentSpec> submitted = new ArrayList<>();
    final List<String> explained = new ArrayList<>();

    @Override
    public RunResult run(ExperimentSpec spec) {
        submitted.add(spec);
        return new RunResult(spec.name(), "id", Path.of("runs/id"), List.of());
    }

    @Override
    public String explain(ExperimentSpec spec) {
        explained.add(spec.name());
        return "plan of " + spec.name() + "\n";
    }
}
