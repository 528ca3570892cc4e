package dev.secateur.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.Preprocessing;
import dev.secateur.spec.SensitivitySpec;
import dev.secateur.spec.SourceLocation;
import dev.secateur.spec.SpecJson;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Scope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scripts declare specs; these tests run them with a runner that only records what it is given. */
class ScriptRunnerTest {

    @TempDir
    Path dir;

    private final RecordingRunner recording = new RecordingRunner();
    private final List<ExperimentSpec> submitted = recording.submitted;
    private final ScriptRunner runner = new ScriptRunner(recording);

    private Path script(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static final String FULL = """
            def spec = experiment('han') {
                seed 7
                model { train 'lenet-300-100', epochs: 2, batch: 128, lr: 2e-3 }
                data fashionMnist(source: 'embedded', train: 1000, test: 200)
                saliency 'magnitude', norm: 'l2'
                granularity filters(norm: 'l2')
                scope global(), exclude: ['0_W']
                schedule 'iterative', target: 0.9, steps: 4, ramp: 'geometric'
                finetune epochs: 3, lr: 1e-4, l2: 5e-5
                evaluate every: 'final', latencyBatch: 8
            }
            for (target in [0.5, 0.7]) {
                run(spec)
            }
            """;

    @Test
    void aScriptDeclaresTheSameSpecAsTheJavaBuilderTwin() throws IOException {
        runner.run(script("han.groovy", FULL), List.of());
        assertThat(submitted).hasSize(2);
        var fromScript = submitted.get(0);

        var fromJava = ExperimentBuilder.experiment("han", e -> e
                .seed(7)
                .model(m -> m.train("lenet-300-100").epochs(2).batch(128).lr(2e-3))
                .data(new DataSpec(new DataSpec.Embedded(), 1000, 200))
                .saliency(Map.of("norm", "l2"), "magnitude")
                .granularity(Granularity.structured(GroupReduction.L2))
                .scope(Map.of("exclude", List.of("0_W")), Dsl.global())
                .schedule("iterative", s -> s.target(0.9).steps(4).option("ramp", "geometric"))
                .finetune(f -> f.epochs(3).lr(1e-4).l2(5e-5))
                .evaluate(v -> v.everyStep(false).latencyBatch(8)));

        assertThat(fromScript).usingRecursiveComparison().ignoringFields("declaredAt").isEqualTo(fromJava);
        assertThat(fromScript.model()).isEqualTo(new ModelSpec.Train("lenet-300-100", new TrainingSpec(2, 128, 2e-3)));
        assertThat(fromScript.finetune()).isEqualTo(new TrainingSpec(3, 64, 1e-4, 5e-5));
        assertThat(fromScript.scope()).isEqualTo(new Scope.Global(Set.of(ParamRef.weights(0))));
        assertThat(fromScript.schedule().options()).isEqualTo(Options.of(Map.of("ramp", "geometric")));
        assertThat(fromScript.declaredAt()).containsEntry("saliency", new SourceLocation("han.groovy", 5))
                .containsEntry("schedule", new SourceLocation("han.groovy", 8));
    }

    @Test
    void syntaxErrorGivesFileLineAndColumn() throws IOException {
        var file = script("broken.groovy", "def spec = experiment('x') {\n    seed 1\n    model { train 'lenet-5' \n");
        assertThatThrownBy(() -> ScriptRunner.compile(file))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(file + ":")
                .hasMessageContaining("fix the script")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void sensitivityAndABudgetDeclareTheAnalysisAndLeaveTheScheduleWithoutATarget() throws IOException {
        var file = script("li.groovy", """
                run(experiment('li') {
                    model { train 'lenet-5' }
                    granularity filters()
                    sensitivity { ratios 0.2, 0.4; samples 500; layer '0_W', '2_W' }
                    scope fromSensitivity(budget: flops(0.35)), exclude: ['4_W']
                    schedule 'one-shot'
                })
                """);
        runner.run(file, List.of());
        var spec = submitted.get(0);
        assertThat(spec.scopeFromSensitivity()).isTrue();
        assertThat(spec.sensitivity().ratios()).containsExactly(0.2, 0.4);
        assertThat(spec.sensitivity().samples()).isEqualTo(500);
        assertThat(spec.sensitivity().layers()).extracting(Object::toString).containsExactly("0_W", "2_W");
        assertThat(spec.sensitivity().budget()).isEqualTo(new SensitivitySpec.Budget(
                SensitivitySpec.Measure.FLOPS, 0.35));
        assertThat(spec.scope().excluded()).extracting(Object::toString).containsExactly("4_W");
        assertThat(spec.shrink()).as("structured runs remove pruned units by default").isTrue();
    }

    @Test
    void recoverGivesEachSensitivityPointAShortRetrainingAndLeavesTheCanonicalFormAloneWhenAbsent() throws IOException {
        var file = script("recover.groovy", """
                run(experiment('li') {
                    model { train 'lenet-5' }
                    granularity filters()
                    sensitivity { ratios 0.2, 0.4; samples 500; recover 1000 }
                    scope fromSensitivity(budget: flops(0.35))
                    schedule 'one-shot'
                })
                run(experiment('li') {
                    model { train 'lenet-5' }
                    granularity filters()
                    sensitivity { ratios 0.2, 0.4; samples 500 }
                    scope fromSensitivity(budget: flops(0.35))
                    schedule 'one-shot'
                })
                """);
        runner.run(file, List.of());
        var recovering = submitted.get(0);
        var plain = submitted.get(1);
        assertThat(recovering.sensitivity().recover()).isEqualTo(1000);
        assertThat(plain.sensitivity().recover()).isZero();
        assertThat(SpecJson.encode(recovering).get("sensitivity").get("recover").asInt()).isEqualTo(1000);
        assertThat(SpecJson.encode(plain).get("sensitivity").has("recover")).as("earlier keys stay").isFalse();
        assertThat(plain.sensitivity().toString()).doesNotContain("recover");
        assertThat(recovering.key()).isNotEqualTo(plain.key());
        assertThat(recovering.legacyKey()).isNotEqualTo(plain.legacyKey());
    }

    @Test
    void aNegativeOrFractionalRecoverIsRefusedAtItsLineNamingTheFix() throws IOException {
        var negative = script("negative.groovy", """
                experiment('x') {
                    model { train 'lenet-5' }
                    granularity filters()
                    sensitivity { ratios 0.5; recover(-5) }
                    scope fromSensitivity(budget: flops(0.35))
                    schedule 'one-shot'
                }
                """);
        assertThatThrownBy(() -> runner.run(negative, List.of()))
                .hasMessageContaining(":4: sensitivity: sensitivity recover = -5 must be 0 (measure right after pruning) or the "
                        + "number of training examples each point retrains on, such as recover 2000");
        var fraction = script("fraction.groovy", """
                experiment('x') {
                    model { train 'lenet-5' }
                    granularity filters()
                    sensitivity { ratios 0.5; recover 0.5 }
                    scope fromSensitivity(budget: flops(0.35))
                    schedule 'one-shot'
                }
                """);
        assertThatThrownBy(() -> runner.run(fraction, List.of()))
                .hasMessageContaining(":4: sensitivity recover: 0.5 is not a whole number");
    }

    @Test
    void badSensitivityDeclarationsAreRefusedAtTheirLine() throws IOException {
        var notABudget = script("budget.groovy", """
                experiment('x') {
                    model { train 'lenet-5' }
                    granularity filters()
                    scope fromSensitivity(budget: 0.35)
                }
                """);
        assertThatThrownBy(() -> runner.run(notABudget, List.of()))
                .hasMessageContaining(":4: fromSensitivity budget: 0.35 is not a budget; write flops(0.35), params(0.5) or latency(0.3)");
        var tooMuch = script("much.groovy", """
                experiment('x') {
                    model { train 'lenet-5' }
                    granularity filters()
                    scope fromSensitivity(budget: flops(1.2))
                }
                """);
        assertThatThrownBy(() -> runner.run(tooMuch, List.of()))
                .hasMessageContaining(":4: flops: a budget cuts a fraction in (0, 1) of the FLOPs, got 1.2");
        var unstructured = script("weights.groovy", """
                experiment('x') {
                    model { train 'lenet-5' }
                    sensitivity { ratios 0.5 }
                    schedule 'one-shot', target: 0.5
                }
                """);
        assertThatThrownBy(() -> runner.run(unstructured, List.of()))
                .hasMessageContaining("a sensitivity analysis removes whole units, so it needs granularity filters() or neurons(), not unstructured");
        var falling = script("falling.groovy", """
                experiment('x') {
                    model { train 'lenet-5' }
                    granularity filters()
                    sensitivity { ratios 0.5, 0.3 }
                    schedule 'one-shot', target: 0.5
                }
                """);
        assertThatThrownBy(() -> runner.run(falling, List.of()))
                .hasMessageContaining("sensitivity ratios must rise strictly within (0, 1), got [0.5, 0.3]");
    }

    @Test
    void sparsityOutsideUnitIntervalIsRefusedAtItsLine() throws IOException {
        var file = script("bad-target.groovy", """
                experiment('x') {
                    model { train 'lenet-300-100' }
                    schedule 'one-shot', target: 1.2
                }
                """);
        assertThatThrownBy(() -> runner.run(file, List.of()))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(file + ":3: ")
                .hasMessageContaining("target sparsity 1.2 is outside [0, 1)");
    }

    @Test
    void aWholeNumberTooLargeForItsOptionIsRefusedAtItsLineRatherThanWrapping() throws IOException {
        // 2^32 as an int is 0: an untrained model would pass for a trained one
        var file = script("wraps.groovy", """
                experiment('x') {
                    model { train 'lenet-300-100', epochs: 4294967296 }
                    schedule 'one-shot', target: 0.5
                }
                """);
        assertThatThrownBy(() -> runner.run(file, List.of()))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(file + ":2: ")
                .hasMessageContaining("epochs: 4294967296 is out of range");
        var infinite = script("infinite.groovy", """
                experiment('x') {
                    model { train 'lenet-300-100' }
                    schedule 'one-shot', target: 0.5
                    finetune batch: Double.POSITIVE_INFINITY
                }
                """);
        assertThatThrownBy(() -> runner.run(infinite, List.of()))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(infinite + ":4: ")
                .hasMessageContaining("batch: Infinity is not a whole number");
    }

    @Test
    void misspeltDslMethodSuggestsTheRightOne() throws IOException {
        var file = script("typo.groovy", """
                experiment('x') {
                    model { train 'lenet-300-100' }
                    saliancy 'magnitude'
                }
                """);
        assertThatThrownBy(() -> runner.run(file, List.of()))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file + ":3: ")
                .hasMessageContaining("'saliancy' is not a method in an experiment block (did you mean")
                .hasMessageContaining("did you mean 'saliency'?");
    }

    @Test
    void unknownNamedArgumentListsTheKnownOnes() throws IOException {
        var file = script("named.groovy", """
                experiment('x') {
                    model { train 'lenet-300-100' }
                    schedule 'one-shot', target: 0.5
                    finetune epoch: 2
                }
                """);
        assertThatThrownBy(() -> runner.run(file, List.of()))
                .hasMessageContaining(":4: finetune has no option 'epoch'; its options are batch, decay, epochs, l2, lr (did you mean 'epochs'?)");
    }

    @Test
    void aModelOrDataPathIsTheSameExperimentWhetherRelativeOrAbsoluteSoAResumedScriptFindsItsFinishedRuns() throws IOException {
        // a script run gets runs/<id> from run(...); the same script resumed by directory gets the absolute path
        String absolute = Path.of("runs/dense/../dense/model-final.zip").toAbsolutePath().toString();
        runner.run(script("paths.groovy", """
                ['runs/dense/model-final.zip', '%s', 'runs/other/model-final.zip'].each { file ->
                    run(experiment('pruned') { model { load file }; schedule 'one-shot', target: 0.5 })
                }
                ['idx', '%s', 'other'].each { dir ->
                    run(experiment('mnist') { model { train 'lenet-300-100' }; data mnist(dir: dir); schedule 'one-shot', target: 0.5 })
                }
                """.formatted(absolute, Path.of("idx").toAbsolutePath())), List.of());
        assertThat(submitted.get(1).key()).isEqualTo(submitted.get(0).key());
        assertThat(submitted.get(2).key()).isNotEqualTo(submitted.get(0).key());
        assertThat(submitted.get(4).key()).isEqualTo(submitted.get(3).key());
        assertThat(submitted.get(5).key()).isNotEqualTo(submitted.get(3).key());
        // the spec itself keeps the path as written: messages quote what the user typed
        assertThat(((ModelSpec.Load) submitted.get(0).model()).file()).isEqualTo(Path.of("runs/dense/model-final.zip"));
    }

    @Test
    void aDataBlockDeclaresItsPreprocessingAsTheJavaTwinDoesAndItMakesAnotherExperiment() throws IOException {
        runner.run(script("normalize.groovy", """
                // a PyTorch model trained with transforms.Normalize((0.2860,), (0.3530,))
                run(experiment('imported') {
                    model { load 'net.zip' }
                    data fashionMnist(source: 'embedded', mean: [0.2860], std: [0.3530])
                    schedule 'one-shot', target: 0.5
                })
                run(experiment('imported') {
                    model { load 'net.zip' }
                    data fashionMnist(source: 'embedded', mean: 0.2860, std: 0.3530, scale: 1/255d)
                    schedule 'one-shot', target: 0.5
                })
                run(baseline('raw') { model { load 'net.zip' }; data mnist(dir: 'idx', scale: 1, mean: 33.3, std: 78.6) })
                run(experiment('keyed') {
                    model { train 'lenet-300-100', epochs: 2 }
                    data fashionMnist(source: 'embedded', train: 1000, test: 200, validation: 500)
                    schedule 'iterative', target: 0.9, steps: 4
                })
                run(experiment('plain') { model { train 'lenet-300-100' }; schedule 'one-shot', target: 0.5 })
                run(experiment('plain') { model { train 'lenet-300-100' }; data fashionMnist(scale: 1); schedule 'one-shot', target: 0.5 })
                """), List.of());
        var normalized = Preprocessing.normalized(List.of(0.2860), List.of(0.3530));
        var fromJava = ExperimentBuilder.experiment("imported", e -> e
                .model(m -> m.load("net.zip"))
                .data(DataSpec.of(new DataSpec.Embedded()).with(normalized))
                .schedule("one-shot", s -> s.target(0.5)));
        assertThat(submitted.get(0)).usingRecursiveComparison().ignoringFields("declaredAt").isEqualTo(fromJava);
        assertThat(submitted.get(0).data().preprocessing()).isEqualTo(normalized);
        assertThat(submitted.get(1).data().preprocessing()).as("a single number is a list of one").isEqualTo(normalized);
        assertThat(submitted.get(1).key()).isEqualTo(submitted.get(0).key());
        assertThat(submitted.get(2).data()).isEqualTo(new DataSpec(new DataSpec.Directory(Path.of("idx"), DataSpec.Family.MNIST),
                0, 0, 0, new Preprocessing(1, List.of(33.3), List.of(78.6))));
        // without preprocessing an experiment keeps the key it had before preprocessing could be declared, so its runs resume
        // (the key runs recorded before the canonical key carry, which RunIndex.latestRunOf(spec) still finds)
        assertThat(submitted.get(3).legacyKey()).isEqualTo("225621921d32357735aabbff0b390bf5");
        assertThat(submitted.get(4).legacyKey()).isEqualTo("ce1cafc0a8c9725bf81b33474ec5284d");
        assertThat(submitted.get(5).key()).as("other inputs are another experiment").isNotEqualTo(submitted.get(4).key());
    }

    @Test
    void aMisspeltOrImpossiblePreprocessingIsRefusedAtItsLineWithTheFix() throws IOException {
        refusedAtLine3("data fashionMnist(mean: [0.2860], stdev: [0.3530])")
                .hasMessageContaining(":3: fashionMnist has no option 'stdev'; its options are classes, dir, mean, scale, source, "
                        + "standardize, std, test, testFraction, train, validation (did you mean 'std'?)");
        refusedAtLine3("data mnist(dir: 'idx', mean: 0.1307)")
                .hasMessageContaining(":3: mnist: mean = [0.1307] needs std too: x' = (x·scale − mean) / std, one value of each per "
                        + "channel; give std: [1.0] to only subtract the mean");
        refusedAtLine3("data fashionMnist(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])")
                .hasMessageContaining(":3: fashionMnist: mean = [0.485, 0.456, 0.406] and std = [0.229, 0.224, 0.225] have 3 values, "
                        + "but fashion-mnist images have 1 channel; give one mean and one std per channel");
        refusedAtLine3("data fashionMnist(mean: ['0.2860'], std: [0.3530])")
                .hasMessageContaining(":3: fashionMnist mean: [0.2860] is not a number or a list of numbers, one per channel, such as "
                        + "mean: [0.5]");
        refusedAtLine3("data fashionMnist(scale: 0)").hasMessageContaining(":3: fashionMnist: scale = 0.0 must be a positive number");
    }

    /** A script whose experiment declares {@code declaration} on its line 3, refused as bad input. */
    private AbstractThrowableAssert<?, ? extends Throwable> refusedAtLine3(String declaration) throws IOException {
        var file = script("refused.groovy", "experiment('x') {\n    model { load 'net.zip' }\n    " + declaration + "\n}\n");
        return assertThatThrownBy(() -> runner.run(file, List.of())).isInstanceOf(BadInputException.class);
    }

    @Test
    void aLearningRateDecayIsDeclaredNamedOrInABlockAndAnUnknownOneIsRefusedAtItsLine() throws IOException {
        runner.run(script("decay.groovy", """
                run(experiment('named') {
                    model { train 'lenet-300-100', epochs: 2, decay: 'cosine' }
                    schedule 'one-shot', target: 0.5
                    finetune epochs: 2, decay: 'cosine'
                })
                run(experiment('block') {
                    model { train 'lenet-300-100' }
                    schedule 'one-shot', target: 0.5
                    finetune { epochs 2; decay 'cosine' }
                })
                run(experiment('plain') { model { train 'lenet-300-100' }; schedule 'one-shot', target: 0.5 })
                """), List.of());
        var cosine = TrainingSpec.Decay.COSINE;
        assertThat(((ModelSpec.Train) submitted.get(0).model()).training().decay()).isEqualTo(cosine);
        assertThat(submitted.get(0).finetune()).isEqualTo(new TrainingSpec(2, 64, 1e-3, null, cosine));
        assertThat(submitted.get(1).finetune()).isEqualTo(submitted.get(0).finetune());
        assertThat(submitted.get(2).finetune().decay()).isEqualTo(TrainingSpec.Decay.CONSTANT);
        // a constant rate keeps the resume key runs had before decays existed
        assertThat(submitted.get(2).finetune().toString()).isEqualTo("TrainingSpec[epochs=1, batchSize=64, learningRate=0.001, l2=null]");

        var named = script("badDecay.groovy", """
                experiment('x') {
                    model { train 'lenet-300-100' }
                    schedule 'one-shot', target: 0.5
                    finetune epochs: 2, decay: 'linear'
                }
                """);
        assertThatThrownBy(() -> runner.run(named, List.of())).isInstanceOf(BadInputException.class)
                .hasMessageContaining(":4: finetune: decay: 'linear' is not a learning-rate decay; write 'constant' or 'cosine'");
        var block = script("badBlockDecay.groovy", """
                experiment('x') {
                    model { train 'lenet-300-100' }
                    schedule 'one-shot', target: 0.5
                    finetune { decay 'step' }
                }
                """);
        assertThatThrownBy(() -> runner.run(block, List.of())).isInstanceOf(BadInputException.class)
                .hasMessageContaining(":4: ").hasMessageContaining("decay: 'step' is not a learning-rate decay");
    }

    @Test
    void experimentWithoutModelSaysWhatToAdd() throws IOException {
        var file = script("nomodel.groovy", "experiment('x') { schedule 'one-shot', target: 0.5 }\n");
        assertThatThrownBy(() -> runner.run(file, List.of())).hasMessageContaining("has no model; add model {");
    }

    @Test
    void missingScriptIsBadInput() {
        assertThatThrownBy(() -> ScriptRunner.compile(dir.resolve("none.groovy")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("none.groovy does not exist");
    }

    @Test
    void aFileNamedLikeAJavaKeywordOrWithDashesStillCompilesAndReportsItsLines() throws IOException {
        assertThat(runner.run(script("long.groovy", "return 'ok'\n"), List.of())).isEqualTo("ok");
        var dashed = script("two-layers.groovy", "experiment('x') {\n    finetune epoch: 1\n}\n");
        assertThatThrownBy(() -> runner.run(dashed, List.of())).hasMessageStartingWith(dashed + ":2: ");
    }

    @Test
    void scriptsSeeTheirArguments() throws IOException {
        var file = script("argv.groovy", "return args.length + ':' + args[0]\n");
        assertThat(runner.run(file, List.of("fast", "x"))).isEqualTo("2:fast");
    }

    @Test
    void seedsArgumentReadsTheWordAfterSeedsOrGivesTheDefaultsAndRefusesAMalformedList() throws IOException {
        var file = script("seeds.groovy", "return seedsArgument([2016L])\n");
        assertThat(runner.run(file, List.of("quick", "seeds", "1,2, 3"))).isEqualTo(List.of(1L, 2L, 3L));
        assertThat(runner.run(file, List.of("quick"))).isEqualTo(List.of(2016L));
        assertThatThrownBy(() -> runner.run(file, List.of("seeds", "1;2"))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("after 'seeds' is '1;2'").hasMessageContaining("seeds 1,2,3");
        assertThatThrownBy(() -> runner.run(file, List.of("seeds"))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("after 'seeds' is ''");
    }
}
