package dev.secateur.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.ExportSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code export onnx: true}: declared in experiments and baselines, inherited, checked like every named argument. */
class ExportDeclarationTest {

    @TempDir
    Path dir;

    private final RecordingRunner recording = new RecordingRunner();
    private final ScriptRunner runner = new ScriptRunner(recording);

    private Path script(String text) throws IOException {
        return Files.writeString(dir.resolve("export.groovy"), text);
    }

    @Test
    void exportOnnxIsDeclaredInAnExperimentOrABaselineAndInheritedByDerivedOnes() throws IOException {
        runner.run(script("""
                def dense = baseline('dense') { model { train 'lenet-300-100' }; export onnx: true }
                def pruned = experiment('pruned') {
                    model { train 'lenet-300-100' }
                    schedule 'one-shot', target: 0.5
                    export onnx: true
                }
                run(dense)
                run(pruned)
                run(experiment('derived', from: pruned) { seed 3 })
                run(experiment('not-exported', from: pruned) { export onnx: false })
                """), List.of());
        assertThat(recording.submitted).extracting(spec -> spec.export().onnx()).containsExactly(true, true, true, false);
        assertThat(recording.submitted.get(1).at("export")).isEqualTo(" (at export.groovy:5)");
        // the Java twin
        var twin = ExperimentBuilder.experiment("pruned", e -> e.model(m -> m.train("lenet-300-100"))
                .schedule("one-shot", s -> s.target(0.5)).export(Map.of("onnx", true)));
        assertThat(twin.export()).isEqualTo(new ExportSpec(true));
        assertThat(twin.key()).isEqualTo(recording.submitted.get(1).key());
    }

    @Test
    void aMisspeltExportKeyGetsTheClosestNameAtItsLine() throws IOException {
        var file = script("""
                experiment('x') {
                    model { train 'lenet-300-100' }
                    export onx: true
                }
                """);
        assertThatThrownBy(() -> runner.run(file, List.of())).isInstanceOf(BadInputException.class)
                .hasMessageContaining(":3: export has no option 'onx'; its options are onnx (did you mean 'onnx'?)");
    }

    @Test
    void anExportSettingThatIsNotABooleanIsRefused() throws IOException {
        var file = script("""
                experiment('x') {
                    model { train 'lenet-300-100' }
                    export onnx: 'yes'
                }
                """);
        assertThatThrownBy(() -> runner.run(file, List.of())).isInstanceOf(BadInputException.class)
                .hasMessageContaining(":3: export onnx: yes is not true or false");
    }

    @Test
    void aSpecWithoutAnExportKeepsTheKeyItHadBeforeExportsExistedSoItsRunsStillResume() {
        // the keys these specs had before ExperimentSpec gained its export component (commit 4ac516c)
        var plain = ExperimentBuilder.experiment("k", e -> e.model(m -> m.train("lenet-300-100")).schedule("one-shot", s -> s.target(0.5)));
        var controlled = ExperimentBuilder.experiment("k", e -> e.model(m -> m.train("lenet-300-100"))
                .schedule("one-shot", s -> s.target(0.5)).control(true));
        // (runs recorded before the canonical key carry it, and RunIndex.latestRunOf(spec) still finds them)
        assertThat(plain.legacyKey()).isEqualTo("c660ee15d6e61fd664732f8f8ecb8e7a");
        assertThat(controlled.legacyKey()).isEqualTo("8a306d24dcb21f69e6d789371e999b58");
        var exported = ExperimentBuilder.experiment("k", e -> e.model(m -> m.train("lenet-300-100"))
                .schedule("one-shot", s -> s.target(0.5)).export(Map.of("onnx", true)));
        assertThat(exported.key()).as("another declaration, another experiment: its run writes the file").isNotEqualTo(plain.key());
    }
}
