package dev.secateur.run;

import static dev.secateur.dsl.ExperimentBuilder.experiment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.Fixtures;
import dev.secateur.bus.Addresses;
import dev.secateur.bus.FailureCode;
import dev.secateur.bus.RunEvent;
import dev.secateur.bus.RunFailedException;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.config.SecateurConfig;
import dev.secateur.data.DatasetLoader;
import dev.secateur.dsl.Dsl;
import dev.secateur.dsl.ExperimentBuilder;
import dev.secateur.dsl.RunResult;
import dev.secateur.metrics.MeterNames;
import dev.secateur.model.ModelFiles;
import dev.secateur.model.onnx.OnnxRuntimeCheck;
import dev.secateur.plugin.PluginHost;
import dev.secateur.record.ResultsCsv;
import dev.secateur.record.RunDirectory;
import dev.secateur.record.RunLock;
import dev.secateur.runtime.Secateur;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spi.ParamRef;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Offset;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The coordinator driving the five stages over the bus, as every real run does. */
class ExperimentVerticleTest {

    private static Secateur secateur;
    private static final List<Object> events = new CopyOnWriteArrayList<>();

    @TempDir
    Path runs;

    @BeforeAll
    static void start() {
        secateur = Secateur.start(SecateurConfig.defaults(), PluginHost.start(List.of(Fixtures.pluginsDir())),
                new DatasetLoader(Path.of("/nonexistent")));
        var bus = secateur.vertx().eventBus();
        for (String address : List.of(Addresses.RUN_STARTED, Addresses.RUN_STEP_COMPLETED, Addresses.RUN_COMPLETED, Addresses.RUN_FAILED)) {
            bus.consumer(address, m -> events.add(m.body()));
        }
    }

    @AfterAll
    static void stop() {
        secateur.close();
    }

    private static ExperimentSpec small(String name, String saliency, double target) {
        return experiment(name, e -> e
                .seed(5)
                .model(m -> m.train("lenet-300-100").epochs(1))
                .data(new DataSpec(new DataSpec.Embedded(), 1000, 300))
                .saliency(saliency)
                .schedule("iterative", s -> s.target(target).steps(2))
                .finetune(f -> f.epochs(1))
                .evaluate(v -> v.latencyRepeats(3).latencyWarmup(1)));
    }

    @Test
    void aRunGoesThroughEveryStageAndWritesItsDirectory() throws IOException {
        events.clear();
        var done = secateur.experiments().run(small("e2e", "magnitude", 0.8), runs);

        assertThat(done.steps()).hasSize(3);
        assertThat(done.steps()).extracting(r -> r.targetSparsity()).containsExactly(0.0, 0.4, 0.8);
        assertThat(done.steps().get(2).sparsity()).isCloseTo(0.8, Offset.offset(1e-6));
        var dir = done.runDir();
        assertThat(dir.getParent()).isEqualTo(runs);
        var csv = Files.readAllLines(dir.resolve(RunDirectory.RESULTS));
        assertThat(csv).hasSize(4).first().isEqualTo(ResultsCsv.HEADER);
        assertThat(csv.get(3)).startsWith("2,0.800000,0.800000,");
        assertThat(dir.resolve(RunDirectory.MODEL)).exists();
        assertThat(dir.resolve(RunDirectory.FAILED)).doesNotExist();
        assertThat(dir.resolve("masks/step-2/0_W.npy")).exists();
        var reloaded = ModelFiles.load(dir.resolve(RunDirectory.MODEL));
        assertThat(reloaded.getParam("0_W").eq(0).castTo(DataType.INT).sumNumber().longValue())
                .isGreaterThan(0);
        var spec = Files.readString(dir.resolve(RunDirectory.SPEC));
        assertThat(spec).contains("\"id\" : \"magnitude\"").contains("\"version\" : \"0.1.0-SNAPSHOT\"")
                .contains("\"seed\" : 5").contains("embedded").contains("\"stepTargets\" : [ 0.4, 0.8 ]");
        var lines = Files.readAllLines(dir.resolve(RunDirectory.EVENTS));
        assertThat(lines.get(0)).contains("\"event\":\"started\"");
        assertThat(lines).filteredOn(l -> l.contains("\"event\":\"step-completed\"")).hasSize(3);
        assertThat(lines).filteredOn(l -> l.contains("\"event\":\"progress\"")).isNotEmpty();
        assertThat(lines.get(lines.size() - 1)).contains("\"event\":\"completed\"");

        // the bus saw the same story, in order
        assertThat(events).first().isInstanceOf(RunEvent.RunStarted.class);
        assertThat(events).filteredOn(RunEvent.StepCompleted.class::isInstance).hasSize(3);
        assertThat(events).last().isInstanceOf(RunEvent.RunCompleted.class);
        // every handle of the run was released
        assertThat(secateur.stores().models().size()).isZero();
        assertThat(secateur.stores().masks().size()).isZero();
        assertThat(secateur.stores().scores().size()).isZero();
        assertThat(secateur.stores().data().size()).isZero();
    }

    @Test
    void sameSeedGivesTheSameRun() {
        var a = secateur.experiments().run(small("same", "random", 0.5), runs);
        var b = secateur.experiments().run(small("same", "random", 0.5), runs);
        assertThat(a.runDir()).isNotEqualTo(b.runDir());
        assertThat(a.steps()).extracting(r -> r.accuracy()).isEqualTo(b.steps().stream().map(r -> r.accuracy()).toList());
    }

    @Test
    void unknownSaliencyFailsBeforeAnythingIsWritten() throws IOException {
        assertThatThrownBy(() -> secateur.experiments().run(small("typo", "magnitud", 0.5), runs))
                .isInstanceOf(RunFailedException.class)
                .satisfies(e -> assertThat(((RunFailedException) e).code()).isEqualTo(FailureCode.BAD_INPUT))
                .hasMessageContaining("unknown saliency 'magnitud'").hasMessageContaining("did you mean 'magnitude'?");
        try (var listing = Files.list(runs)) {
            assertThat(listing).isEmpty();
        }
    }

    @Test
    void unknownSaliencyOptionIsNamed() {
        var spec = experiment("opt", e -> e.model(m -> m.train("lenet-300-100").epochs(0))
                .data(new DataSpec(new DataSpec.Embedded(), 100, 100))
                .saliency(Map.of("nrom", "l2"), "magnitude").schedule("one-shot", s -> s.target(0.5)));
        assertThatThrownBy(() -> secateur.experiments().run(spec, runs))
                .hasMessageContaining("saliency 'magnitude' has no option 'nrom'; its options are norm (did you mean 'norm'?)");
    }

    @Test
    void aSensitivityRecoverWithNoTrainingExampleLeftIsRefusedBeforeTheDenseTrainingAndLeavesNoRunDirectory() throws IOException {
        // samples take all 400 training examples, so no point could retrain: said at load, not after training
        var spec = experiment("recover", e -> e.seed(5)
                .model(m -> m.train("lenet-300-100").epochs(1))
                .data(new DataSpec(new DataSpec.Embedded(), 400, 100))
                .granularity(Dsl.neurons())
                .sensitivity(s -> s.ratios(0.5).samples(400).recover(100))
                .schedule("one-shot", s -> s.target(0.5))
                .finetune(f -> f.epochs(1)));
        int startedBefore = events.size();
        assertThatThrownBy(() -> secateur.experiments().run(spec, runs))
                .isInstanceOf(RunFailedException.class)
                .satisfies(e -> assertThat(((RunFailedException) e).code()).isEqualTo(FailureCode.BAD_INPUT))
                .hasMessageContaining("sensitivity recover 100 needs training examples outside the validation sample, but "
                        + "samples 400 takes all 400 training examples; lower samples or use more training data");
        try (var listing = Files.list(runs)) {
            assertThat(listing).isEmpty();
        }
        assertThat(events.subList(startedBefore, events.size())).as("no run started").noneMatch(RunEvent.RunStarted.class::isInstance);
    }

    @Test
    void corruptModelFailsWithBadInputAndLeavesNoRunDirectory() throws IOException {
        var corrupt = Files.write(runs.resolveSibling(runs.getFileName() + "-corrupt.zip"), new byte[]{'P', 'K', 3, 4, 0});
        var spec = experiment("corrupt", e -> e.model(m -> m.load(corrupt.toString()))
                .data(new DataSpec(new DataSpec.Embedded(), 100, 100)).schedule("one-shot", s -> s.target(0.5)));
        assertThatThrownBy(() -> secateur.experiments().run(spec, runs))
                .isInstanceOf(RunFailedException.class).hasMessageContaining(corrupt.toString());
        try (var listing = Files.list(runs)) {
            assertThat(listing).isEmpty();
        }
    }

    /** Half of LeNet-300-100's hidden neurons removed in one step, without fine-tuning. */
    private static ExperimentBuilder halfTheNeurons(ExperimentBuilder e) {
        return e.seed(5)
                .model(m -> m.train("lenet-300-100").epochs(1))
                .data(new DataSpec(new DataSpec.Embedded(), 600, 200))
                .granularity(Dsl.neurons())
                .scope(Dsl.layerwise())
                .schedule("one-shot", s -> s.target(0.5))
                .finetune(f -> f.epochs(0))
                .evaluate(v -> v.latencyRepeats(3).latencyWarmup(1));
    }

    @Test
    void aShrunkRunCountsSparsityAndCompressionAgainstTheDenseNetwork() throws IOException {
        var spec = experiment("neurons-50", ExperimentVerticleTest::halfTheNeurons);
        var done = secateur.experiments().run(spec, runs);
        var dense = done.steps().get(0);
        var last = done.steps().get(1);
        // half the neurons of 0_W (300) and 1_W (100) removed, and with them 1_W's and 2_W's input rows
        assertThat(last.params()).isEqualTo(784 * 150 + 150 + 150 * 50 + 50 + 50 * 10 + 10);
        long keptWeights = 784 * 150 + 150 * 50 + 50 * 10;
        assertThat(last.sparsity()).as("removed weights count as pruned, not 0%")
                .isCloseTo(1 - keptWeights / 266_200.0, Offset.offset(1e-3));
        assertThat(dense.sparsity()).isCloseTo(0.0, Offset.offset(1e-3));
        assertThat(last.layerSparsity().get(ParamRef.parse("1_W"))).isCloseTo(0.75, Offset.offset(1e-3));
        var result = new RunResult("neurons-50", done.runId(), done.runDir(), done.steps());
        assertThat(result.getCompression()).isCloseTo(266_610.0 / last.nonzeroParams(), Offset.offset(1e-9))
                .isGreaterThan(2.0);
        assertThat(RunResult.table(List.of(result))).contains("2.1x").doesNotContain(" 0.00%");
        var csv = Files.readAllLines(done.runDir().resolve(RunDirectory.RESULTS));
        assertThat(csv.get(2).split(",", -1)[2]).isEqualTo(String.format(Locale.ROOT, "%.6f", last.sparsity()));
    }

    @Test
    void aStructuredRunWithExportOnnxWritesTheSmallerNetworkAsOnnxThatComputesWhatItsModelComputes() throws IOException {
        var spec = experiment("neurons-onnx", e -> halfTheNeurons(e).export(Map.of("onnx", true)));
        var done = secateur.experiments().run(spec, runs);
        var onnx = done.runDir().resolve(RunDirectory.ONNX);
        assertThat(onnx).exists();
        assertThat(done.runDir().resolve(RunDirectory.EXPORT + "/model.onnx.tmp")).doesNotExist();
        var model = ModelFiles.load(done.runDir().resolve(RunDirectory.MODEL));
        assertThat(model.numParams()).isEqualTo(done.steps().get(1).params()).isLessThan(266_610);
        OnnxRuntimeCheck.assertSameOutputs(model, Files.readAllBytes(onnx),
                Fixtures.smallData().test().features().get(NDArrayIndex.interval(0, 32),
                        NDArrayIndex.all()), 1e-4);
        assertThat(Files.readString(done.runDir().resolve(RunDirectory.SPEC))).containsPattern("\"export\" : \\{\\s*\"onnx\" : true");
    }

    @Test
    void aRunWhoseNetworkHasNoOnnxFormIsRefusedAtLoadNamingTheLayerBeforeAnyRunDirectory() throws IOException {
        var conf = new NeuralNetConfiguration.Builder().seed(2).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(4).build())
                .layer(new LocalResponseNormalization.Builder().build())
                .layer(new OutputLayer.Builder().nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
        var lrn = new MultiLayerNetwork(conf);
        lrn.init();
        var zip = runs.resolveSibling(runs.getFileName() + "-lrn.zip");
        ModelFiles.save(lrn, zip);
        var spec = experiment("lrn-onnx", e -> e.model(m -> m.load(zip.toString()))
                .data(new DataSpec(new DataSpec.Embedded(), 200, 100)).schedule("one-shot", s -> s.target(0.5))
                .finetune(f -> f.epochs(0)).evaluate(v -> v.latencyRepeats(3).latencyWarmup(1)).export(Map.of("onnx", true)));
        assertThatThrownBy(() -> secateur.experiments().run(spec, runs))
                .hasMessageContaining("export onnx: true, but")
                .hasMessageContaining("layer 1 (org.deeplearning4j.nn.conf.layers.LocalResponseNormalization)");
        // refused when the model was loaded, before the run had a directory, so no training was spent on it
        if (Files.exists(runs)) {
            try (var listing = Files.list(runs)) {
                assertThat(listing.filter(d -> d.getFileName().toString().startsWith("lrn-onnx"))).isEmpty();
            }
        }
    }

    @Test
    void aBaselineTrainsAndEvaluatesTheDenseModelAndPrunesNothing() throws IOException {
        events.clear();
        var spec = ExperimentBuilder.baseline("dense", e -> e.seed(5)
                .model(m -> m.train("lenet-300-100").epochs(1))
                .data(new DataSpec(new DataSpec.Embedded(), 600, 200))
                .evaluate(v -> v.latencyRepeats(3).latencyWarmup(1)));
        var done = secateur.experiments().run(spec, runs);
        assertThat(done.steps()).hasSize(1);
        assertThat(done.steps().get(0).sparsity()).isZero();
        assertThat(done.runDir().resolve(RunDirectory.MODEL)).exists();
        assertThat(done.runDir().resolve("masks")).doesNotExist();
        var csv = Files.readAllLines(done.runDir().resolve(RunDirectory.RESULTS));
        assertThat(csv).hasSize(2);
        assertThat(csv.get(1)).as("no saliency chose anything").endsWith(",");
        assertThat(Files.readString(done.runDir().resolve(RunDirectory.SPEC))).contains("\"schedule\" : null");
        assertThat(events).filteredOn(RunEvent.RunStarted.class::isInstance).singleElement()
                .satisfies(e -> assertThat(((RunEvent.RunStarted) e).steps()).isZero());
    }

    @Test
    void aCancelledRunStopsAtTheNextStageBoundaryIsMarkedAndGetsNoModel() throws Exception {
        var bus = secateur.vertx().eventBus();
        var cancelled = new CompletableFuture<Boolean>();
        var consumer = bus.<RunEvent.StepCompleted>consumer(Addresses.RUN_STEP_COMPLETED, m -> {
            if (m.body().experiment().equals("to-cancel") && m.body().result().step() == 1 && !cancelled.isDone()) {
                secateur.experiments().cancel(m.body().runId()).onComplete(r -> cancelled.complete(r.succeeded() && r.result()));
            }
        });
        try {
            assertThatThrownBy(() -> secateur.experiments().run(small("to-cancel", "magnitude", 0.9), runs))
                    .isInstanceOf(RunFailedException.class)
                    .satisfies(e -> assertThat(((RunFailedException) e).code()).isEqualTo(FailureCode.CANCELLED))
                    .hasMessageContaining("cancelled");
        } finally {
            consumer.unregister();
        }
        assertThat(cancelled.get(10, TimeUnit.SECONDS)).as("the run was running when asked").isTrue();
        Path dir;
        try (var listing = Files.list(runs)) {
            dir = listing.filter(d -> d.getFileName().toString().startsWith("to-cancel-")).findFirst().orElseThrow();
        }
        // within a stage or at the boundary before one, the marker names the stage, as report.html shows it
        assertThat(dir.resolve(RunDirectory.CANCELLED)).content()
                .containsPattern("was cancelled (while|before) the (scorer|pruner|finetuner|evaluator) was");
        assertThat(dir.resolve(RunDirectory.FAILED)).doesNotExist();
        assertThat(dir.resolve(RunDirectory.MODEL)).doesNotExist();
        var csv = Files.readAllLines(dir.resolve(RunDirectory.RESULTS));
        // asked after step 1: it stops within step 2, which never completes (header, step 0, step 1)
        assertThat(csv).as("the last step never completed").hasSize(3);
        var lines = Files.readAllLines(dir.resolve(RunDirectory.EVENTS));
        assertThat(lines.get(lines.size() - 1)).contains("\"event\":\"cancelled\"");
        assertThat(secateur.stores().models().size()).isZero();
        assertThat(secateur.stores().masks().size()).isZero();
        assertThat(secateur.experiments().cancel("no-such-run").toCompletionStage().toCompletableFuture().get()).isFalse();
        // and the coordinator serves the next run
        assertThat(secateur.experiments().run(small("after-cancel", "magnitude", 0.5), runs).steps()).hasSize(3);
    }

    /** Requests the evaluator has answered with {@code outcome} (success, cancelled, ...), from its stage timer. */
    private static long evaluatorAnswers(String outcome) {
        var timer = secateur.registry().find(MeterNames.STAGE).tags(MeterNames.TAG_STAGE, SecateurConfig.EVALUATOR,
                MeterNames.TAG_OUTCOME, outcome).timer();
        return timer == null ? 0 : timer.count();
    }

    @Test
    void aRunCancelledDuringARecoveringSensitivityAnalysisRefusesItsQueuedProbesInsteadOfWorkingThroughThem() throws Exception {
        // 2 groups x 9 ratios + the dense point, all sent at once; each retrains a copy on 600 examples first
        var spec = experiment("probes-cancelled", e -> e.seed(5)
                .model(m -> m.train("lenet-300-100").epochs(1))
                .data(new DataSpec(new DataSpec.Embedded(), 1000, 300))
                .granularity(Dsl.neurons())
                .sensitivity(s -> s.samples(300).recover(600))
                .schedule("one-shot", s -> s.target(0.5))
                .finetune(f -> f.epochs(1)));
        long cancelledBefore = evaluatorAnswers("cancelled");
        var bus = secateur.vertx().eventBus();
        var asked = new CompletableFuture<Boolean>();
        // as the first probe is sent, the others go with it: cancelled then, they are all queued at the evaluator
        Handler<DeliveryContext<Object>> cancelAtFirstProbe = context -> {
            String session = context.message().headers().get(Addresses.RUN_HEADER);
            if (context.message().address().equals(Addresses.EVALUATOR_PROBE) && session != null && !asked.isDone()) {
                asked.complete(true);
                secateur.vertx().runOnContext(v -> secateur.experiments().cancel(Addresses.runIdOf(session)));
            }
            context.next();
        };
        bus.addOutboundInterceptor(cancelAtFirstProbe);
        try {
            assertThatThrownBy(() -> secateur.experiments().run(spec, runs))
                    .isInstanceOf(RunFailedException.class)
                    .satisfies(e -> assertThat(((RunFailedException) e).code()).isEqualTo(FailureCode.CANCELLED));
        } finally {
            bus.removeOutboundInterceptor(cancelAtFirstProbe);
        }
        assertThat(asked).as("probes were sent").isCompletedWithValue(true);
        // the probes queued behind the one in progress are refused as they come up, not each retrained and measured
        assertThat(evaluatorAnswers("cancelled") - cancelledBefore).as("probes refused or stopped, of 19").isGreaterThanOrEqualTo(15);
        assertThat(secateur.stores().models().size()).isZero();
        // and the evaluator serves the next run
        assertThat(secateur.experiments().run(small("after-probes", "magnitude", 0.5), runs).steps()).hasSize(3);
    }

    @Test
    void ofTwoResumesOfOneRunInOneProcessTheSecondIsRefusedAndLeavesTheFirstUntouched() throws Exception {
        var bus = secateur.vertx().eventBus();
        var spec = small("resumed-twice", "magnitude", 0.9);
        var stop = bus.<RunEvent.StepCompleted>consumer(Addresses.RUN_STEP_COMPLETED, m -> {
            if (m.body().experiment().equals("resumed-twice") && m.body().result().step() == 1) {
                secateur.experiments().cancel(m.body().runId());
            }
        });
        try {
            assertThatThrownBy(() -> secateur.experiments().run(spec, runs)).isInstanceOf(RunFailedException.class);
        } finally {
            stop.unregister();
        }
        Path dir;
        try (var listing = Files.list(runs)) {
            dir = listing.filter(d -> d.getFileName().toString().startsWith("resumed-twice-")).findFirst().orElseThrow();
        }
        var options = new DeliveryOptions().setSendTimeout(TimeUnit.MINUTES.toMillis(5));
        var first = bus.request(Addresses.EXPERIMENT_RUN, new StageRequest.RunExperiment(spec, runs, null, dir, null), options)
                .toCompletionStage().toCompletableFuture();
        var second = bus.request(Addresses.EXPERIMENT_RUN, new StageRequest.RunExperiment(spec, runs, null, dir, null), options)
                .toCompletionStage().toCompletableFuture();
        assertThatThrownBy(() -> second.get(1, TimeUnit.MINUTES)).hasCauseInstanceOf(ReplyException.class)
                .hasMessageContaining("run " + dir.getFileName() + " is running in this process");
        var done = (StageReply.ExperimentDone) first.get(5, TimeUnit.MINUTES).body();
        assertThat(done.steps()).hasSize(3);
        assertThat(dir.resolve(RunDirectory.MODEL)).exists();
        assertThat(dir.resolve(RunDirectory.FAILED)).as("the refused resume marked nothing").doesNotExist();
        assertThat(dir.resolve(RunLock.FILE)).as("the run that went on released its lock").doesNotExist();
    }
}
