package dev.secateur.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.ExperimentSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** runAll(specs): a sweep's experiments, results in the order given; one after another without a cluster. */
class RunAllTest {

    @TempDir
    Path dir;

    private static final String SWEEP = """
            def specs = [0.5, 0.8, 0.9].collect { t ->
                experiment("sweep-${(int) (t * 100)}") {
                    model { train 'lenet-300-100', epochs: 1 }
                    schedule 'one-shot', target: t
                }
            }
            """;

    @Test
    void withoutAClusterEachRunsInTurnAndTheResultsComeInTheOrderGiven() throws Exception {
        var recording = new RecordingRunner();
        var result = new ScriptRunner(recording).run(Files.writeString(dir.resolve("sweep.groovy"), SWEEP
                + "runAll(specs).collect { it.experiment() }"), List.of());
        assertThat(recording.submitted).extracting(ExperimentSpec::name).containsExactly("sweep-50", "sweep-80", "sweep-90");
        assertThat(result).isEqualTo(List.of("sweep-50", "sweep-80", "sweep-90"));
    }

    @Test
    void aRunnerWithAClusterGetsTheWholeListAtOnce() throws Exception {
        var batches = new ArrayList<List<String>>();
        var clustered = new RecordingRunner() {
            @Override
            public List<RunResult> runAll(List<ExperimentSpec> specs) {
                batches.add(specs.stream().map(ExperimentSpec::name).toList());
                return specs.stream().map(this::run).toList();
            }
        };
        new ScriptRunner(clustered).run(Files.writeString(dir.resolve("sweep.groovy"), SWEEP + "runAll(specs)"), List.of());
        assertThat(batches).containsExactly(List.of("sweep-50", "sweep-80", "sweep-90"));
    }

    @Test
    void anythingButAListOfExperimentsIsRefusedAtItsLine() throws Exception {
        var runner = new ScriptRunner(new RecordingRunner());
        assertThatThrownBy(() -> runner.run(Files.writeString(dir.resolve("empty.groovy"), "\nrunAll([])"), List.of()))
                .isInstanceOf(BadInputException.class).hasMessageContaining("empty.groovy:2").hasMessageContaining("an empty list");
        assertThatThrownBy(() -> runner.run(Files.writeString(dir.resolve("mixed.groovy"), SWEEP + "runAll(specs + ['oops'])"),
                List.of())).isInstanceOf(BadInputException.class).hasMessageContaining("item 3 (oops) is not an experiment");
    }
}
