package dev.secateur.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.SpecJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextDeclarationTest {

    @TempDir
    Path dir;

    private final RecordingRunner recording = new RecordingRunner();
    private final List<ExperimentSpec> submitted = recording.submitted;
    private final ScriptRunner runner = new ScriptRunner(recording);

    private Path script(String text) throws IOException {
        return Files.writeString(dir.resolve("lm.groovy"), text);
    }

    @Test
    void aLanguageModelOnTextIsDeclaredWithItsSizeAndSurvivesSpecJson() throws IOException {
        runner.run(script("""
                run experiment('lm') {
                    model { train 'gpt-tiny', layers: 2, dModel: 64, heads: 4, mlp: 256, epochs: 1, lr: 3e-3 }
                    data text('/corpus', include: '*.rst.txt', context: 64, validation: 32, test: 100)
                    saliency 'wanda'
                    granularity nm(2, 4)
                    scope layerwise()
                    schedule 'one-shot', target: 0.5
                }
                """), List.of());
        var spec = submitted.get(0);
        var model = (ModelSpec.Train) spec.model();
        assertThat(model.architecture()).isEqualTo("gpt-tiny");
        assertThat(model.sizes()).isEqualTo(Map.of("layers", 2, "dModel", 64, "heads", 4, "mlp", 256));
        assertThat(spec.data().source()).isEqualTo(new DataSpec.Text(Path.of("/corpus"), 64, "*.rst.txt"));
        assertThat(spec.data().validation()).isEqualTo(32);
        assertThat(spec.data().testLimit()).isEqualTo(100);
        var back = SpecJson.decode(SpecJson.encode(spec), "test");
        assertThat(back.model()).isEqualTo(spec.model());
        assertThat(back.data()).isEqualTo(spec.data());
        assertThat(back.key()).isEqualTo(spec.key());
    }

    @Test
    void sizesOfAnotherArchitectureAndABadContextAreRefusedAtTheirLine() throws IOException {
        var sized = script("""
                experiment('x') {
                    model { train 'lenet-5', layers: 2 }
                }
                """);
        assertThatThrownBy(() -> runner.run(sized, List.of())).isInstanceOf(BadInputException.class)
                .hasMessageContaining(":2:").hasMessageContaining("[layers] size only 'gpt-tiny'");
        var context = script("""
                experiment('x') {
                    model { train 'gpt-tiny' }
                    data text('/corpus', context: 1)
                }
                """);
        assertThatThrownBy(() -> runner.run(context, List.of())).isInstanceOf(BadInputException.class)
                .hasMessageContaining(":3:").hasMessageContaining("context: 1 must be from 2 to 8192");
        var option = script("""
                experiment('x') {
                    data text('/corpus', contxt: 64)
                }
                """);
        assertThatThrownBy(() -> runner.run(option, List.of())).isInstanceOf(BadInputException.class)
                .hasMessageContaining("contxt").hasMessageContaining("context");
    }
}
