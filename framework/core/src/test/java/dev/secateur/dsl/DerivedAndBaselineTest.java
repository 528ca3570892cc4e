package dev.secateur.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.SourceLocation;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Options;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DSL where users stumbled: experiments derived from others, dense baselines, block forms of the map
 * declarations, a target that a per-layer scope would ignore, and misspellings.
 */
class DerivedAndBaselineTest {

    @TempDir
    Path dir;

    private final RecordingRunner recording = new RecordingRunner();
    private final List<ExperimentSpec> submitted = recording.submitted;
    private final List<String> explained = recording.explained;
    private final ScriptRunner runner = new ScriptRunner(recording);

    private Object run(String name, String text) throws IOException {
        return runner.run(Files.writeString(dir.resolve(name), text), List.of());
    }

    private static final String BASE = """
            def base = experiment('base') {
                seed 7
                model { train 'lenet-300-100', epochs: 2 }
                data fashionMnist(source: 'embedded', train: 1000, test: 200)
                saliency 'magnitude'
                scope layerwise(), exclude: ['2_W']
                schedule 'one-shot', target: 0.8
                finetune epochs: 0, lr: 2e-4, l2: 1e-5
                evaluate every: 'final', latencyRepeats: 5
            }
            """;

    @Test
    void anExperimentFromAnotherOverridesOnlyWhatItsBlockSays() throws IOException {
        run("derived.groovy", BASE + """
                run(base)
                run(experiment('obs', from: base) {
                    saliency 'obs', mode: 'exact'
                    finetune epochs: 1
                })
                """);
        var base = submitted.get(0);
        var obs = submitted.get(1);
        assertThat(obs.name()).isEqualTo("obs");
        assertThat(obs.saliency().id()).isEqualTo("obs");
        assertThat(obs.saliency().options()).isEqualTo(Options.of(Map.of("mode", "exact")));
        assertThat(obs.finetune()).as("the settings finetune did not name are the base's").isEqualTo(new TrainingSpec(1, 64, 2e-4, 1e-5));
        assertThat(obs).usingRecursiveComparison().ignoringFields("name", "saliency", "finetune", "declaredAt").isEqualTo(base);
        assertThat(obs.declaredAt()).containsEntry("schedule", new SourceLocation("derived.groovy", 7))
                .containsEntry("saliency", new SourceLocation("derived.groovy", 13));
    }

    @Test
    void aDerivedExperimentCanChangeItsScheduleScopeAndGranularity() throws IOException {
        run("change.groovy", BASE + """
                run(experiment('filters', from: base) {
                    granularity neurons()
                    scope perLayer('0_W': 0.5)
                    schedule 'iterative', steps: 2
                })
                """);
        var filters = submitted.get(0);
        assertThat(filters.schedule().id()).isEqualTo("iterative");
        assertThat(filters.schedule().steps()).isEqualTo(2);
        assertThat(filters.shrink()).as("the structured default, since the base had no say").isTrue();
        assertThat(filters.evaluate().everyStep()).isFalse();
    }

    @Test
    void anInheritedTargetUnderAPerLayerScopeIsRefusedWithWhereItCameFrom() throws IOException {
        var text = BASE + """
                experiment('bad', from: base) {
                    scope perLayer('0_W': 0.5)
                }
                """;
        assertThatThrownBy(() -> run("inherited.groovy", text)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("scope perLayer(...) gives each layer its own final target, so schedule 'one-shot' takes no target")
                .hasMessageContaining("inherited from experiment 'base'")
                .hasMessageContaining("(at inherited.groovy:7)");
    }

    @Test
    void aTargetBesidePerLayerOrFromSensitivityIsRefusedNotIgnored() throws IOException {
        assertThatThrownBy(() -> run("perlayer.groovy", """
                experiment('x') {
                    model { train 'lenet-300-100' }
                    scope perLayer('0_W': 0.9, '1_W': 0.5)
                    schedule 'iterative', target: 0.9, steps: 3
                }
                """)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("scope perLayer(...) gives each layer its own final target, so schedule 'iterative' takes no target; "
                        + "remove target: from the schedule")
                .hasMessageContaining("(at perlayer.groovy:4)");
        assertThatThrownBy(() -> run("budget.groovy", """
                experiment('x') {
                    model { train 'lenet-5' }
                    granularity filters()
                    scope fromSensitivity(budget: flops(0.3))
                    schedule 'one-shot', target: 0.5
                }
                """)).hasMessageContaining("scope fromSensitivity(...) chooses each layer its own final target");
    }

    @Test
    void aBaselineOnlyTrainsAndEvaluates() throws IOException {
        run("baseline.groovy", """
                def dense = run(baseline('dense') {
                    seed 3
                    model { train 'lenet-300-100', epochs: 20 }
                    data fashionMnist(source: 'embedded')
                })
                run(experiment('pruned', from: submittedBase()) {
                    model { load 'runs/dense/model-final.zip' }
                    schedule 'one-shot', target: 0.5
                })

                def submittedBase() { baseline('again') { model { train 'lenet-5' } } }
                """);
        var dense = submitted.get(0);
        assertThat(dense.prunes()).isFalse();
        assertThat(dense.schedule()).isNull();
        assertThat(dense.seed()).isEqualTo(3);
        var pruned = submitted.get(1);
        assertThat(pruned.prunes()).isTrue();
        assertThat(pruned.schedule().target()).isEqualTo(0.5);
    }

    @Test
    void aBaselineDerivedFromAnotherExperimentKeepsItsModelAndDropsItsPruningOrComparison() throws IOException {
        run("derived-baseline.groovy", BASE + """
                def cmp = experiment('cmp') {
                    model { train 'lenet-5', epochs: 1 }
                    compare { criteria 'magnitude' }
                }
                run(baseline('dense-of-base', from: base))
                run(baseline('dense-of-cmp', from: cmp) { seed 9 })
                """);
        var fromBase = submitted.get(0);
        var fromCompare = submitted.get(1);
        assertThat(fromBase.prunes()).isFalse();
        assertThat(fromBase.model()).isEqualTo(new ModelSpec.Train("lenet-300-100", new TrainingSpec(2, 64, 1e-3)));
        assertThat(fromBase.evaluate().everyStep()).isFalse();
        assertThat(fromCompare.compare()).as("a baseline runs no comparison").isNull();
        assertThat(fromCompare.seed()).isEqualTo(9);
    }

    @Test
    void aBaselineThatDeclaresPruningIsRefusedAtThatLine() throws IOException {
        assertThatThrownBy(() -> run("prunes.groovy", """
                baseline('dense') {
                    model { train 'lenet-300-100' }
                    schedule 'one-shot', target: 0.5
                }
                """)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("baseline('dense') only trains and evaluates the dense model, so it takes no schedule")
                .hasMessageContaining("declare experiment('dense') to prune")
                .hasMessageContaining("(at prunes.groovy:3)");
        assertThatThrownBy(() -> run("noschedule.groovy", "experiment('x') { model { train 'lenet-5' } }\n"))
                .hasMessageContaining("has no schedule").hasMessageContaining("baseline('x') { ... }");
    }

    @Test
    void blockFormsDeclareWhatTheMapFormsDeclare() throws IOException {
        run("blocks.groovy", """
                run(experiment('map') {
                    model { train 'lenet-300-100' }
                    schedule 'iterative', target: 0.9, steps: 4, ramp: 'geometric'
                    finetune epochs: 3, lr: 1e-4, batch: 32, l2: 5e-5
                    evaluate every: 'final', latencyBatch: 8, largeBatch: 0
                    calibration samples: 512
                })
                run(experiment('map') {
                    model { train 'lenet-300-100' }
                    schedule('iterative') { target 0.9; steps 4; ramp 'geometric' }
                    finetune { epochs 3; lr 1e-4; batch 32; l2 5e-5 }
                    evaluate { every 'final'; latencyBatch 8; largeBatch 0 }
                    calibration { samples 512 }
                })
                """);
        assertThat(submitted.get(1)).usingRecursiveComparison().ignoringFields("declaredAt").isEqualTo(submitted.get(0));
        assertThat(submitted.get(1).saliency().calibration()).isEqualTo(512);
    }

    @Test
    void misspellingsGetTheClosestName() throws IOException {
        assertThatThrownBy(() -> run("filter.groovy", """
                experiment('x') {
                    model { train 'lenet-5' }
                    granularity filter()
                }
                """)).hasMessageContaining(":3: ").hasMessageContaining("'filter' is not a method").hasMessageContaining("did you mean 'filters'?");
        assertThatThrownBy(() -> run("form.groovy", BASE + "experiment('y', form: base) { seed 1 }\n"))
                .hasMessageContaining("experiment has no option 'form'; its options are from (did you mean 'from'?)");
        assertThatThrownBy(() -> run("notspec.groovy", "experiment('y', from: 'base') { seed 1 }\n"))
                .hasMessageContaining("experiment from: base is not an experiment");
        assertThatThrownBy(() -> run("every.groovy", "experiment('y') { model { train 'lenet-5' }; evaluate { every 'epoch' } }\n"))
                .hasMessageContaining("evaluate every: 'epoch' must be 'step' or 'final'");
        // the DSL's own fixed choices: the nearest one where a value is a misspelling of it
        assertThatThrownBy(() -> run("stepp.groovy", "experiment('y') { model { train 'lenet-5' }; evaluate { every 'stepp' } }\n"))
                .hasMessageContaining("evaluate every: 'stepp' must be 'step' or 'final' (did you mean 'step'?)");
        assertThatThrownBy(() -> run("norm.groovy", "experiment('y') { model { train 'lenet-5' }; granularity filters(norm: 'lmax') }\n"))
                .hasMessageContaining("filters norm: 'lmax' must be 'l1', 'l2', 'mean' or 'max' (did you mean 'max'?)");
        assertThatThrownBy(() -> run("source.groovy", "experiment('y') { model { train 'lenet-5' }; data fashionMnist(source: 'embeded') }\n"))
                .hasMessageContaining("source: 'embeded' must be 'auto', 'embedded' or 'installed' (did you mean 'embedded'?)");
    }

    @Test
    void compareTakesNoSchedule() throws IOException {
        assertThatThrownBy(() -> run("compare.groovy", """
                experiment('c') {
                    model { train 'lenet-5' }
                    compare { criteria 'magnitude' }
                    schedule 'one-shot', target: 0.5
                }
                """)).hasMessageContaining("compare prunes nothing, so it takes no schedule").hasMessageContaining("(at compare.groovy:4)");
    }

    @Test
    void aScriptMayNameItsBaseClassForTheEditor() throws IOException {
        assertThat(run("base-script.groovy", """
                @groovy.transform.BaseScript dev.secateur.dsl.SecateurScript script
                import static dev.secateur.dsl.Dsl.*

                def spec = explain(experiment('ide') {
                    model { train 'lenet-300-100' }
                    granularity unstructured()
                    schedule 'one-shot', target: 0.5
                })
                run(spec)
                return spec.name()
                """)).isEqualTo("ide");
        assertThat(explained).containsExactly("ide");
    }
}
