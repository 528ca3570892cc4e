package dev.secateur.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.dsl.ExperimentRunner;
import dev.secateur.dsl.RunResult;
import dev.secateur.dsl.ScriptRunner;
import dev.secateur.errors.BadInputException;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.Preprocessing;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sweep's experiment crosses JVMs as JSON: everything a script can declare must arrive as declared. */
class SpecWireTest {

    @TempDir
    Path dir;

    private List<ExperimentSpec> declared(String script) throws Exception {
        var specs = new ArrayList<ExperimentSpec>();
        var recording = new ExperimentRunner() {
            @Override
            public RunResult run(ExperimentSpec spec) {
                specs.add(spec);
                return new RunResult(spec.name(), "plan", Path.of("planned"), List.of());
            }

            @Override
            public String explain(ExperimentSpec spec) {
                return "";
            }
        };
        new ScriptRunner(recording).run(Files.writeString(dir.resolve("specs.groovy"), script), List.of());
        return specs;
    }

    @Test
    void everyKindOfDeclarationSurvivesTheTripUnchanged() throws Exception {
        var specs = declared("""
                run(baseline('dense') { seed 3; model { train 'lenet-5', epochs: 2, batch: 32, lr: 2e-3, decay: 'cosine' }; export onnx: true })
                run(experiment('nm') {
                    model { load 'models/dense.zip' }
                    data fashionMnist(source: 'embedded', train: 900, test: 100)
                    saliency 'obs', mode: 'exact'
                    calibration samples: 64
                    granularity nm(2, 4)
                    scope layerwise(), exclude: ['2_W']
                    schedule 'iterative', target: 0.5, steps: 2
                    finetune epochs: 1, lr: 1e-4, l2: 1e-5
                    evaluate every: 'final', latencyRepeats: 4, largeBatch: 0
                })
                run(experiment('budget') {
                    model { train 'lenet-5', epochs: 1 }
                    saliency 'magnitude', norm: 'l1'
                    granularity filters()
                    sensitivity { ratios 0.2, 0.6; samples 500; recover 300 }
                    scope fromSensitivity(budget: flops(0.35))
                    schedule 'one-shot'
                })
                run(experiment('ranks') {
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'installed')
                    compare { criteria 'magnitude', 'taylor'; against 'oracle', samples: 32; layer '1_W'; granularity neurons() }
                })
                run(experiment('global') {
                    model { train 'lenet-300-100', epochs: 1 }
                    scope global()
                    schedule 'agp', target: 0.9, steps: 3, recovery: 2
                })
                run(experiment('recover') {
                    model { train 'lenet-300-100', epochs: 1 }
                    data fashionMnist(source: 'embedded', validation: 1000)
                    schedule 'iterative', target: 0.9, steps: 3
                    rewind 'weights', iteration: 40
                    distill temperature: 3, weight: 0.25
                    finetune epochs: 1, decay: 'cosine'
                    control true
                    export onnx: true
                })
                run(experiment('normalized') {
                    model { load 'models/imported.zip' }
                    data mnist(dir: 'idx', scale: 1, mean: [33.3], std: [78.6], validation: 500)
                    schedule 'one-shot', target: 0.5
                })
                run(experiment('rounded') {
                    model { train 'lenet-5', epochs: 1 }
                    granularity filters(round_to: 4)
                    scope layerwise()
                    schedule 'one-shot', target: 0.5
                    rewind 'lr'
                })
                """);
        assertThat(specs).hasSize(8);
        assertThat(specs).filteredOn(spec -> spec.export().onnx()).extracting(ExperimentSpec::name).containsExactly("dense", "recover");
        for (var spec : specs) {
            var json = SpecWire.encode(spec);
            var arrived = SpecWire.decode(new JsonObject(json.encode()));
            assertThat(arrived.key()).as(spec.name()).isEqualTo(spec.key());
            assertThat(arrived.declaredAt()).isEqualTo(spec.declaredAt());
            assertThat(arrived.data()).isEqualTo(spec.data());
            assertThat(SpecWire.encode(arrived)).isEqualTo(json);
        }
    }

    @Test
    void thePreprocessingCrossesAsDeclaredAndAnotherPreprocessingIsAnotherExperiment() throws Exception {
        var specs = declared("""
                run(experiment('n') { model { load 'net.zip' }; data fashionMnist(mean: 0.2860, std: 0.3530); schedule 'one-shot', target: 0.5 })
                run(experiment('n') { model { load 'net.zip' }; data fashionMnist(mean: 0.2861, std: 0.3530); schedule 'one-shot', target: 0.5 })
                """);
        var json = SpecWire.encode(specs.get(0)).getJsonObject("data").getJsonObject("preprocessing");
        assertThat(json.encode()).isEqualTo("{\"scale\":" + (1.0 / 255) + ",\"mean\":[0.286],\"std\":[0.353]}");
        assertThat(SpecWire.decode(SpecWire.encode(specs.get(1))).key()).isNotEqualTo(specs.get(0).key());
        // a message from before preprocessing could be declared means the default
        var older = SpecWire.encode(specs.get(0));
        older.getJsonObject("data").remove("preprocessing");
        assertThat(SpecWire.decode(older).data().preprocessing()).isEqualTo(Preprocessing.DEFAULT);
        var zero = SpecWire.encode(specs.get(0));
        zero.getJsonObject("data").getJsonObject("preprocessing").put("std", new JsonArray().add(0.0));
        assertThatThrownBy(() -> SpecWire.decode(zero)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("not a valid spec").hasMessageContaining("std = [0.0] must be positive in every channel");
    }

    @Test
    void aMalformedMessageIsRefusedAsBadInputNotRun() throws Exception {
        var json = SpecWire.encode(declared("run(baseline('dense') { model { train 'lenet-5', epochs: 1 } })").get(0));
        json.getJsonObject("granularity").put("kind", "anything");
        assertThatThrownBy(() -> SpecWire.decode(json)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("not a valid spec").hasMessageContaining("unknown granularity 'anything'");
        // the specs' own validation runs on arrival: a name that would escape the runs directory is refused
        var escaping = SpecWire.encode(declared("run(baseline('dense') { model { train 'lenet-5', epochs: 1 } })").get(0))
                .put("name", "../../etc");
        assertThatThrownBy(() -> SpecWire.decode(escaping)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("experiment name '../../etc'");
    }
}
