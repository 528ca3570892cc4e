package dev.secateur.run;

import static dev.secateur.dsl.ExperimentBuilder.experiment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.Fixtures;
import dev.secateur.bus.Addresses;
import dev.secateur.bus.FailureCode;
import dev.secateur.bus.RunEvent;
import dev.secateur.bus.RunFailedException;
import dev.secateur.bus.TrainingPhase;
import dev.secateur.config.SecateurConfig;
import dev.secateur.data.DatasetLoader;
import dev.secateur.dsl.Dsl;
import dev.secateur.dsl.ExperimentBuilder;
import dev.secateur.dsl.RunResult;
import dev.secateur.model.ModelFiles;
import dev.secateur.plugin.PluginHost;
import dev.secateur.record.Checkpoints;
import dev.secateur.record.ResultsCsv;
import dev.secateur.record.RunDirectory;
import dev.secateur.runtime.Secateur;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.ExperimentSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Controls, rewinding and distillation in whole runs over the bus. */
class RecoveryRunTest {

    private static Secateur secateur;
    /** The last progress of each training, by run, phase and step: its examples done. */
    private static final Map<String, Long> trained = new ConcurrentHashMap<>();

    @TempDir
    Path runs;

    @BeforeAll
    static void start() {
        secateur = Secateur.start(SecateurConfig.defaults(), PluginHost.start(List.of(Fixtures.pluginsDir())),
                new DatasetLoader(Path.of("/nonexistent")));
        secateur.vertx().eventBus().<RunEvent.TrainingProgress>consumer(Addresses.FINETUNER_PROGRESS, m -> {
            var p = m.body();
            trained.put(p.runId() + "/" + p.phase() + "/" + p.step(), p.examplesDone());
        });
    }

    @AfterAll
    static void stop() {
        secateur.close();
    }

    private static ExperimentSpec spec(String name, Consumer<ExperimentBuilder> more) {
        return experiment(name, e -> {
            e.seed(5)
                    .model(m -> m.train("lenet-300-100").epochs(1))
                    .data(new DataSpec(new DataSpec.Embedded(), 1000, 300))
                    .schedule("iterative", s -> s.target(0.8).steps(2))
                    .finetune(f -> f.epochs(1).lr(5e-4))
                    .evaluate(v -> v.latencyRepeats(3).latencyWarmup(1));
            more.accept(e);
        });
    }

    @Test
    void theControlTrainsOnExactlyThePrunedModelsExamplesAndEveryRowIsJudgedAgainstIt() throws Exception {
        var done = secateur.experiments().run(spec("controlled", e -> e.control(true)), runs);
        var plain = secateur.experiments().run(spec("controlled", e -> { }), runs);

        for (int step = 1; step <= 2; step++) {
            long pruned = trained.get(done.runId() + "/" + TrainingPhase.FINETUNE + "/" + step);
            long control = trained.get(done.runId() + "/" + TrainingPhase.CONTROL + "/" + step);
            assertThat(control).as("step %d", step).isEqualTo(pruned).isEqualTo(1000);
        }
        assertThat(trained).doesNotContainKey(plain.runId() + "/" + TrainingPhase.CONTROL + "/1");
        // the control changes nothing about the pruned model
        assertThat(done.steps()).extracting(r -> r.accuracy()).isEqualTo(plain.steps().stream().map(r -> r.accuracy()).toList());

        var dense = done.steps().get(0);
        assertThat(dense.controlAccuracy()).as("step 0's control is the dense model").isEqualTo(dense.accuracy());
        var last = done.steps().get(2);
        assertThat(last.controlAccuracy()).isBetween(0.5, 1.0);
        assertThat(plain.steps().get(2).controlAccuracy()).isNaN();

        var csv = Files.readAllLines(done.runDir().resolve(RunDirectory.RESULTS));
        assertThat(csv.get(0)).isEqualTo(ResultsCsv.HEADER).endsWith(",control_accuracy,accuracy_vs_control,perplexity,control_perplexity");
        var cells = csv.get(3).split(",", -1);
        double accuracy = Double.parseDouble(cells[3]);
        var header = List.of(csv.get(0).split(","));
        double control = Double.parseDouble(cells[header.indexOf("control_accuracy")]);
        assertThat(control).isEqualTo(last.controlAccuracy(), within(1e-6));
        assertThat(Double.parseDouble(cells[header.indexOf("accuracy_vs_control")])).isEqualTo(accuracy - control, within(2e-6));
        assertThat(cells[header.indexOf("perplexity")]).as("a classifier has no perplexity").isEmpty();
        var plainRow = Files.readAllLines(plain.runDir().resolve(RunDirectory.RESULTS)).get(3);
        assertThat(plainRow).as("no control: the two cells are empty, and no perplexity").endsWith(",,,");

        var result = new RunResult("controlled", done.runId(), done.runDir(), done.steps());
        assertThat(RunResult.table(List.of(result))).contains("control accuracy").contains("vs control (points)");
        // the control is kept in the checkpoint, so a resumed run goes on with it
        assertThat(Checkpoints.latest(done.runDir()).orElseThrow().networks()).containsOnlyKeys("control");
        assertThat(secateur.stores().models().size()).isZero();
    }

    @Test
    void lotteryTicketRewindingReturnsTheSurvivingWeightsToTheirValuesAtIterationK() {
        // no retraining after pruning: the final model is the rewound one, masked
        var done = secateur.experiments().run(spec("ticket", e -> e.rewind(Map.of("iteration", 5), "weights")
                .finetune(f -> f.epochs(0))), runs);
        var checkpoint = Checkpoints.latest(done.runDir()).orElseThrow();
        var early = ModelFiles.load(checkpoint.networks().get("rewind"));
        var last = ModelFiles.load(done.runDir().resolve(RunDirectory.MODEL));
        for (String key : List.of("0_W", "1_W", "2_W")) {
            var weights = last.getParam(key);
            var kept = weights.neq(0).castTo(weights.dataType());
            assertThat(kept.sumNumber().doubleValue()).as(key).isGreaterThan(0);
            assertThat(weights).as(key).isEqualTo(early.getParam(key).mul(kept));
        }
        assertThat(last.getParam("0_b")).isEqualTo(early.getParam("0_b"));
        assertThat(done.steps().get(2).sparsity()).isEqualTo(0.8, within(1e-6));
    }

    @Test
    void rewindingAndDistillationRunTogetherAndReleaseEveryHandle() throws Exception {
        var done = secateur.experiments().run(spec("all-at-once", e -> e.rewind("lr")
                .distill(Map.of("temperature", 2, "weight", 0.5)).control(true)), runs);
        assertThat(done.steps()).hasSize(3);
        assertThat(done.steps().get(2).controlAccuracy()).isBetween(0.5, 1.0);
        assertThat(Checkpoints.latest(done.runDir()).orElseThrow().networks()).containsOnlyKeys("control", "teacher");
        var spec = Files.readString(done.runDir().resolve(RunDirectory.SPEC));
        assertThat(spec).contains("\"kind\" : \"lr\"").contains("\"temperature\" : 2.0").contains("\"control\" : true");
        assertThat(secateur.stores().models().size()).isZero();
        // the saved model carries the network's own loss, not the training-only one
        assertThat(ModelFiles.load(done.runDir().resolve(RunDirectory.MODEL)).outputLayer().getLossFn().getClass().getSimpleName())
                .isEqualTo("LossMCXENT");
    }

    @Test
    void aRewindIterationBeyondTheDenseTrainingFailsAsBadInputNamingTheRange() {
        // 1,000 examples at batch 64 for 1 epoch: 16 updates
        assertThatThrownBy(() -> secateur.experiments().run(spec("too-far", e -> e.rewind(Map.of("iteration", 17), "weights")), runs))
                .isInstanceOf(RunFailedException.class)
                .satisfies(e -> assertThat(((RunFailedException) e).code()).isEqualTo(FailureCode.BAD_INPUT))
                .hasMessageContaining("rewind iteration 17").hasMessageContaining("from 0 to 16");
    }

    @Test
    void declarationsThatCannotWorkAreRefusedWithWhatToDo() {
        assertThatThrownBy(() -> experiment("loaded", e -> e.model(m -> m.load("/tmp/some.zip"))
                .schedule("one-shot", s -> s.target(0.5)).rewind("weights")))
                .hasMessageContaining("must be trained in this experiment");
        assertThatThrownBy(() -> ExperimentBuilder.baseline("dense", e -> e.model(m -> m.train("lenet-300-100")).control(true)))
                .hasMessageContaining("takes no control");
        assertThatThrownBy(() -> spec("bad", e -> e.rewind("weight")))
                .hasMessageContaining("rewind 'weight' is not a kind of rewinding; use 'weights'");
        assertThatThrownBy(() -> spec("bad", e -> e.distill(Map.of("weight", 1.5))))
                .hasMessageContaining("distill weight = 1.5 must be between 0");
        assertThatThrownBy(() -> spec("bad", e -> e.distill(Map.of("temprature", 2))))
                .hasMessageContaining("temprature");
        assertThatThrownBy(() -> spec("bad", e -> e.rewind(Map.of("iteration", 3), "lr")))
                .hasMessageContaining("iteration");
        // refused when declared, not after the dense model has trained
        assertThatThrownBy(() -> spec("bad", e -> e.granularity(Dsl.filters(Map.of("round_to", 8)))
                .scope(Dsl.global())))
                .hasMessageContaining("round_to rounds each layer's kept units").hasMessageContaining("not global()");
    }
}
