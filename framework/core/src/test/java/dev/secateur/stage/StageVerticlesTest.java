package dev.secateur.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.secateur.Fixtures;
import dev.secateur.bus.Addresses;
import dev.secateur.bus.FailureCode;
import dev.secateur.bus.Messages;
import dev.secateur.bus.RecordRequest;
import dev.secateur.bus.RunEvent;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.bus.TrainingPhase;
import dev.secateur.cluster.JobDispatch;
import dev.secateur.data.Calibration;
import dev.secateur.data.DatasetLoader;
import dev.secateur.dsl.ExperimentBuilder;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.finetune.FineTuner;
import dev.secateur.model.Loader;
import dev.secateur.plugin.PluginHost;
import dev.secateur.prune.Pruner;
import dev.secateur.record.ResolvedSpec;
import dev.secateur.record.RunRecorder;
import dev.secateur.result.RankCorrelation;
import dev.secateur.score.Scorer;
import dev.secateur.sensitivity.SensitivityProbe;
import dev.secateur.spec.CompareSpec;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.EvaluateSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.SaliencySpec;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.GroupReduction;
import dev.secateur.spi.Options;
import dev.secateur.spi.ParamRef;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import dev.secateur.store.Handle;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.LUDecomposition;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

/** Each stage verticle, called through the event bus as the coordinator calls it. */
@ExtendWith(VertxExtension.class)
class StageVerticlesTest {

    private static PluginHost plugins;
    private final Stores stores = Stores.create();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DataSpec data = new DataSpec(new DataSpec.Embedded(), 500, 200);
    private final ModelSpec model = new ModelSpec.Train("lenet-300-100", new TrainingSpec(1, 64, 1e-3));

    @TempDir
    Path dir;

    @BeforeAll
    static void loadPlugins() {
        plugins = PluginHost.start(List.of(Fixtures.pluginsDir()));
    }

    @AfterAll
    static void closePlugins() {
        plugins.close();
    }

    @BeforeEach
    void deploy(Vertx vertx, VertxTestContext context) {
        Messages.registerCodecs(vertx.eventBus());
        var worker = new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER);
        Future.all(
                vertx.deployVerticle(new LoaderVerticle(stores, new Loader(new DatasetLoader(Path.of("/nonexistent"))), registry), worker),
                vertx.deployVerticle(new ScorerVerticle(stores, plugins, new Scorer(), registry), worker),
                vertx.deployVerticle(new PrunerVerticle(stores, new Pruner(), plugins, registry), worker),
                vertx.deployVerticle(new FineTunerVerticle(stores, new FineTuner(), registry), worker),
                vertx.deployVerticle(new EvaluatorVerticle(stores, new Evaluator(), new SensitivityProbe(new Pruner()), registry, JobDispatch.local()), worker),
                vertx.deployVerticle(new RecorderVerticle(stores, new RunRecorder(), registry), worker))
                .onComplete(context.succeedingThenComplete());
    }

    private <T> Future<T> request(Vertx vertx, String address, Object body, Class<T> reply) {
        return vertx.eventBus().request(address, body).map(m -> reply.cast(m.body()));
    }

    /** spec.json's content for a run the test opens with the recorder. */
    private static ResolvedSpec resolved(String runId, StageReply.Loaded loaded) {
        var spec = ExperimentBuilder.experiment(runId, e -> e.model(m -> m.train("lenet-300-100"))
                .schedule("one-shot", s -> s.target(0.8)));
        return new ResolvedSpec(runId, spec, "1", "1", loaded.modelParams(), loaded.dataSource(), loaded.dataSha256(),
                loaded.trainSize(), loaded.testSize(), List.of(0.8), Map.of());
    }

    private Future<StageReply.Loaded> load(Vertx vertx) {
        return request(vertx, Addresses.LOADER_LOAD, new StageRequest.Load(model, data, 3L), StageReply.Loaded.class);
    }

    @Test
    void loaderPutsTheModelAndDataInTheStoresAndRepliesWithHandles(Vertx vertx, VertxTestContext context) {
        load(vertx).onComplete(context.succeeding(loaded -> context.verify(() -> {
            assertThat(stores.models().get(loaded.model()).numParams()).isEqualTo(266_610);
            assertThat(stores.data().get(loaded.data()).train().size()).isEqualTo(500);
            assertThat(loaded.params()).extracting(p -> p.weights().toString()).containsExactly("0_W", "1_W", "2_W");
            assertThat(loaded.dataSource()).contains("embedded");
            assertThat(registry.get("secateur.stage").tag("stage", "loader").tag("outcome", "success").timer().count()).isOne();
            context.completeNow();
        })));
    }

    @Test
    void sensitivityProbesAndPhysicalRemovalOfAResNetThroughTheBus(Vertx vertx, VertxTestContext context) {
        var resnet = new ModelSpec.Train("resnet-small", new TrainingSpec(0, 50, 1e-3));
        var filters = new Granularity.Structured(GroupReduction.L1);
        var provenance = new Provenance("magnitude", "1", Options.NONE, "one-shot", "1", 3L);
        request(vertx, Addresses.LOADER_LOAD, new StageRequest.Load(resnet, data, 3L), StageReply.Loaded.class)
                .compose(loaded -> request(vertx, Addresses.SCORER_SCORE, new StageRequest.Score(loaded.model(), loaded.data(), null,
                        Pruner.inScope(loaded.params(), filters, new Scope.LayerWise(Set.of())), new SaliencySpec("magnitude", Options.NONE),
                        filters, 3L), StageReply.Scored.class)
                        .compose(scored -> {
                            var group = loaded.params().get(0);
                            // independent probes, sent at once: the dense point and two ratios of the residual group 0_W/4_W
                            List<Future<StageReply.Probed>> probes = new ArrayList<>();
                            for (double ratio : new double[]{0.0, 0.5, 0.9}) {
                                probes.add(request(vertx, Addresses.EVALUATOR_PROBE, new StageRequest.Probe(loaded.model(), loaded.data(),
                                        scored.scores(), group, filters, ratio, 100, provenance, 3L, ratio == 0.5), StageReply.Probed.class));
                            }
                            // and one that retrains a copy on 64 examples beside the validation sample before it measures
                            var recovery = new SensitivityProbe.Recovery(64, new TrainingSpec(1, 32, 1e-3));
                            probes.add(request(vertx, Addresses.EVALUATOR_PROBE, new StageRequest.Probe(loaded.model(), loaded.data(),
                                    scored.scores(), group, filters, 0.9, 100, provenance, 3L, false, null, recovery), StageReply.Probed.class));
                            return Future.all(probes).<StageReply.Planned>compose(all -> {
                                context.verify(() -> {
                                    // the dense point is the model's own accuracy on the validation sample, counted here
                                    var validation = Calibration.validation(stores.data().get(loaded.data()), 100, 3L);
                                    var output = stores.models().get(loaded.model()).output(validation.features());
                                    double right = output.argMax(1).eq(validation.labels().argMax(1)).castTo(DataType.DOUBLE)
                                            .sumNumber().doubleValue();
                                    assertThat(probes.get(0).result().accuracy()).isEqualTo(right / 100);
                                    // only the timed probe measured its time, relative to the unpruned network's
                                    assertThat(probes.get(1).result().latencyRatio()).isPositive();
                                    assertThat(probes.get(2).result().latencyRatio()).isNaN();
                                    // the evaluator retrained as the probe does it here, from the stored model
                                    var masks = new SensitivityProbe(new Pruner()).masks(group, stores.scores().get(scored.scores()),
                                            filters, 0.9, provenance);
                                    var here = SensitivityProbe.measure(stores.models().get(loaded.model()), masks, validation,
                                            recovery.on(stores.data().get(loaded.data()), 100, 3L), false, 0.9);
                                    assertThat(probes.get(3).result().accuracy()).isEqualTo(here.accuracy());
                                });
                                return request(vertx, Addresses.PRUNER_PLAN, new StageRequest.Plan(scored.scores(), null, loaded.params(), filters,
                                        new Scope.LayerWise(Set.of()), new Pruner.StepTarget(1, 0.25, Map.of()), provenance),
                                        StageReply.Planned.class);
                            });
                        })
                        .compose(planned -> request(vertx, Addresses.PRUNER_APPLY, new StageRequest.Apply(loaded.model(), planned.masks()),
                                StageReply.Applied.class)
                                .compose(applied -> request(vertx, Addresses.PRUNER_SHRINK, new StageRequest.Shrink(loaded.model(), planned.masks(), false),
                                        StageReply.Shrunk.class)))
                        .compose(shrunk -> {
                            var before = stores.models().get(loaded.model());
                            var after = stores.models().get(shrunk.model());
                            context.verify(() -> {
                                assertThat(after.isGraph()).isTrue();
                                assertThat(after.numParams()).isLessThan(before.numParams());
                                assertThat(after.getParam("4_W").shape()).containsExactly(12, 12, 3, 3);
                                var x = stores.data().get(loaded.data()).test().features();
                                double diff = before.output(x).sub(after.output(x)).amaxNumber().doubleValue();
                                assertThat(diff).as("masked and shrunk ResNet agree").isLessThanOrEqualTo(1e-5);
                            });
                            return request(vertx, Addresses.EVALUATOR_EVALUATE, new StageRequest.Evaluate(shrunk.model(), loaded.data(),
                                    EvaluateSpec.DEFAULT, false), StageReply.Evaluated.class);
                        }))
                .onComplete(context.succeeding(evaluated -> context.verify(() -> {
                    assertThat(evaluated.report().census().params()).isLessThan(38_890);
                    context.completeNow();
                })));
    }

    @Test
    void anOnnxModelLoadsThroughTheBusAndShrinksWithItsDepthwiseChannels(Vertx vertx, VertxTestContext context) throws Exception {
        var mobilenet = new ModelSpec.Load(Path.of(getClass().getResource("/dev/secateur/onnx/mobilenet.onnx").toURI()));
        var filters = new Granularity.Structured(GroupReduction.L1);
        var provenance = new Provenance("magnitude", "1", Options.NONE, "one-shot", "1", 3L);
        request(vertx, Addresses.LOADER_LOAD, new StageRequest.Load(mobilenet, data, 3L), StageReply.Loaded.class)
                .compose(loaded -> request(vertx, Addresses.SCORER_SCORE, new StageRequest.Score(loaded.model(), loaded.data(), null,
                        Pruner.inScope(loaded.params(), filters, new Scope.LayerWise(Set.of())), new SaliencySpec("magnitude", Options.NONE),
                        filters, 3L), StageReply.Scored.class)
                        .compose(scored -> request(vertx, Addresses.PRUNER_PLAN, new StageRequest.Plan(scored.scores(), null, loaded.params(),
                                filters, new Scope.LayerWise(Set.of()), new Pruner.StepTarget(1, 0.5, Map.of()), provenance), StageReply.Planned.class))
                        .compose(planned -> request(vertx, Addresses.PRUNER_APPLY, new StageRequest.Apply(loaded.model(), planned.masks()),
                                StageReply.Applied.class)
                                .compose(applied -> request(vertx, Addresses.PRUNER_SHRINK, new StageRequest.Shrink(loaded.model(), planned.masks(), false),
                                        StageReply.Shrunk.class)))
                        .onComplete(context.succeeding(shrunk -> context.verify(() -> {
                            var before = stores.models().get(loaded.model());
                            var after = stores.models().get(shrunk.model());
                            assertThat(after.numParams()).isLessThan(before.numParams());
                            var x = stores.data().get(loaded.data()).test().features();
                            assertThat(before.output(x).sub(after.output(x)).amaxNumber().doubleValue()).isLessThanOrEqualTo(1e-5);
                            context.completeNow();
                        }))));
    }

    @Test
    void loaderFailsACorruptModelWithTheBadInputCode(Vertx vertx, VertxTestContext context) throws Exception {
        var corrupt = Files.write(dir.resolve("corrupt.zip"), new byte[]{1, 2, 3, 4});
        request(vertx, Addresses.LOADER_LOAD, new StageRequest.Load(new ModelSpec.Load(corrupt), data, 1L), StageReply.Loaded.class)
                .onComplete(context.failing(error -> context.verify(() -> {
                    var reply = (ReplyException) error;
                    assertThat(reply.failureCode()).isEqualTo(FailureCode.BAD_INPUT.code());
                    assertThat(reply.getMessage()).contains(corrupt.toString()).contains("not a readable zip");
                    assertThat(stores.models().size()).isZero();
                    context.completeNow();
                })));
    }

    @Test
    void scorePlanApplyTrainAndEvaluateThroughTheBus(Vertx vertx, VertxTestContext context) {
        var progress = context.checkpoint();
        vertx.eventBus().<RunEvent.TrainingProgress>consumer(Addresses.FINETUNER_PROGRESS, m -> {
            if (m.body().examplesDone() == m.body().examplesTotal()) {
                context.verify(() -> assertThat(m.body().phase()).isEqualTo(TrainingPhase.FINETUNE));
                progress.flag();
            }
        });
        var done = context.checkpoint();
        var provenance = new Provenance("magnitude", "1", Options.NONE, "one-shot", "1", 3L);
        load(vertx).compose(loaded -> request(vertx, Addresses.SCORER_SCORE,
                        new StageRequest.Score(loaded.model(), loaded.data(), null, loaded.params(), new SaliencySpec("magnitude", Options.NONE), Granularity.unstructured(), 3L),
                        StageReply.Scored.class)
                .compose(scored -> request(vertx, Addresses.PRUNER_PLAN, new StageRequest.Plan(scored.scores(), null,
                        loaded.params(), Granularity.unstructured(), new Scope.Global(Set.of()),
                        new Pruner.StepTarget(1, 0.8, Map.of()), provenance), StageReply.Planned.class))
                .compose(planned -> request(vertx, Addresses.RECORDER_WRITE, new RecordRequest.Open(dir, resolved("recorded", loaded)),
                        StageReply.Recorded.class)
                        .compose(opened -> request(vertx, Addresses.RECORDER_WRITE, new RecordRequest.Plan("recorded", planned.masks(), 1,
                                0.8, new Scope.Global(Set.of()), Granularity.unstructured(), provenance), StageReply.Recorded.class))
                        .map(recorded -> {
                            context.verify(() -> assertThat(recorded.path().resolve("0_W.npy")).exists());
                            return planned;
                        }))
                .compose(planned -> {
                    return request(vertx, Addresses.PRUNER_APPLY, new StageRequest.Apply(loaded.model(), planned.masks()),
                            StageReply.Applied.class)
                            .compose(applied -> request(vertx, Addresses.FINETUNER_TRAIN, new StageRequest.Train("run", TrainingPhase.FINETUNE,
                                    1, loaded.model(), loaded.data(), planned.masks(), new TrainingSpec(1, 50, 1e-3), 3L),
                                    StageReply.Trained.class));
                })
                .compose(trained -> {
                    context.verify(() -> assertThat(trained.report().examples()).isEqualTo(500));
                    return request(vertx, Addresses.EVALUATOR_EVALUATE,
                            new StageRequest.Evaluate(loaded.model(), loaded.data(), EvaluateSpec.DEFAULT, true), StageReply.Evaluated.class);
                }))
                .onComplete(context.succeeding(evaluated -> context.verify(() -> {
                    var report = evaluated.report();
                    assertThat(report.census().sparsity()).isCloseTo(0.8, Offset.offset(1e-6));
                    assertThat(report.accuracy()).isBetween(0.3, 1.0);
                    assertThat(report.examples()).isEqualTo(200);
                    assertThat(registry.get("secateur.finetune.examples").counter().count()).isEqualTo(500);
                    assertThat(registry.get("secateur.eval.examples").counter().count()).isEqualTo(200);
                    done.flag();
                })));
    }

    @Test
    void scorerComparesCriteriaWithTheOracleFromOnePass(Vertx vertx, VertxTestContext context) {
        var compare = new CompareSpec(List.of(new SaliencySpec("taylor", Options.NONE),
                new SaliencySpec("random", Options.NONE)), new SaliencySpec("oracle", Options.NONE),
                List.of(ParamRef.parse("1_W")), Granularity.structured(GroupReduction.L1));
        load(vertx).compose(loaded -> request(vertx, Addresses.SCORER_COMPARE, new StageRequest.Compare(loaded.model(), loaded.data(),
                        loaded.params().subList(1, 2), compare, 128, 3L), StageReply.Compared.class))
                .onComplete(context.succeeding(compared -> context.verify(() -> {
                    var report = compared.report();
                    assertThat(report.reference()).isEqualTo("oracle");
                    assertThat(report.rows()).extracting(r -> r.criterion() + "@" + r.layer() + ":" + r.points())
                            .containsExactly("taylor@1_W:100", "random@1_W:100");
                    assertThat(report.rows().get(0).spearman()).isBetween(-1.0, 1.0);
                    assertThat(report.points().get(ParamRef.parse("1_W"))).containsKeys("oracle", "taylor", "random");
                    context.completeNow();
                })));
    }

    @Test
    void aComparisonWithASampledOracleRanksOnlyTheWeightsItMeasured(Vertx vertx, VertxTestContext context) {
        var layer = ParamRef.parse("2_W");
        var compare = new CompareSpec(List.of(new SaliencySpec("magnitude", Options.NONE)),
                new SaliencySpec("oracle", Options.of(Map.of("samples", 40))), List.of(layer), Granularity.unstructured());
        load(vertx).compose(loaded -> request(vertx, Addresses.SCORER_COMPARE, new StageRequest.Compare(loaded.model(), loaded.data(),
                        loaded.params().subList(2, 3), compare, 128, 3L), StageReply.Compared.class)
                        .map(compared -> Map.entry(loaded, compared.report())))
                .onComplete(context.succeeding(result -> context.verify(() -> {
                    var loaded = result.getKey();
                    var report = result.getValue();
                    double[] oracle = report.points().get(layer).get("oracle");
                    double[] magnitude = report.points().get(layer).get("magnitude");
                    assertThat(report.rows()).singleElement().satisfies(row -> {
                        assertThat(row.points()).isEqualTo(40);
                        assertThat(row.spearman()).isEqualTo(RankCorrelation.spearman(oracle, magnitude));
                        assertThat(row.kendall()).isEqualTo(RankCorrelation.kendall(oracle, magnitude));
                    });
                    assertThat(oracle).hasSize(40);
                    assertThat(Arrays.stream(oracle).allMatch(Double::isFinite)).as("every sampled point measured").isTrue();
                    // each point is one weight: its magnitude names it, and removing it alone changes the
                    // calibration loss by the oracle's value
                    var net = stores.models().get(loaded.model()).sequential("the test");
                    var weights = net.getParam("2_W");
                    float[] flat = weights.dup('c').reshape(weights.length()).toFloatVector();
                    var calibration = Calibration.sample(stores.data().get(loaded.data()), 128, 3L);
                    var examples = new DataSet(calibration.features(), calibration.labels());
                    double base = net.scoreExamples(examples, false).meanNumber().doubleValue();
                    for (int k = 0; k < 5; k++) {
                        float w = (float) magnitude[k];
                        int[] at = IntStream.range(0, flat.length).filter(i -> Math.abs(flat[i]) == w).toArray();
                        assertThat(at).as("the weight of magnitude %s", w).hasSize(1);
                        long row = at[0] / weights.size(1);
                        long col = at[0] % weights.size(1);
                        weights.putScalar(row, col, 0.0);
                        double without = net.scoreExamples(examples, false).meanNumber().doubleValue();
                        weights.putScalar(row, col, flat[at[0]]);
                        assertThat(oracle[k]).isCloseTo(Math.abs(without - base), within(1e-6 + 1e-3 * Math.abs(without - base)));
                    }
                    context.completeNow();
                })));
    }

    /**
     * Layer-wise OBS applied through the bus, checked against its closed form computed here independently: H =
     * 2XᵀX/N + λI from the layer's calibration inputs X (λ = 0.01 of H's mean diagonal, a dead input's zero
     * diagonal taken as 1), inverted by LU. Each unit's weights are visited in input order (OBC, Frantar &amp;
     * Alistarh 2022): removing weight j adds −(w_j / G_jj)·G_j,c to every later weight c, where G is H⁻¹ with
     * the inputs already visited eliminated (a Schur complement). The score is w_j² / [H⁻¹]_jj.
     */
    @Test
    void obsThroughTheBusFollowsItsClosedFormAndReconstructsTheLayerBetterThanMaskingAlone(Vertx vertx, VertxTestContext context) {
        var obs = new SaliencySpec("obs", Options.NONE, 128);
        var provenance = new Provenance("obs", "1", Options.NONE, "one-shot", "1", 3L);
        var layer = ParamRef.parse("1_W");
        load(vertx).compose(loaded -> {
            var net = stores.models().get(loaded.model());
            var calibration = Calibration.sample(stores.data().get(loaded.data()), 128, 3L);
            double[][] inputs = net.layerOutputs(calibration.features()).get(0).castTo(DataType.DOUBLE).toDoubleMatrix();
            double[][] before = net.getParam("1_W").castTo(DataType.DOUBLE).toDoubleMatrix();
            return request(vertx, Addresses.SCORER_SCORE, new StageRequest.Score(loaded.model(), loaded.data(), null, loaded.params(), obs,
                            Granularity.unstructured(), 3L), StageReply.Scored.class)
                    .compose(scored -> request(vertx, Addresses.PRUNER_PLAN, new StageRequest.Plan(scored.scores(), null,
                            loaded.params(), Granularity.unstructured(), new Scope.LayerWise(Set.of()),
                            new Pruner.StepTarget(1, 0.5, Map.of()), provenance), StageReply.Planned.class)
                            .compose(planned -> request(vertx, Addresses.PRUNER_APPLY, new StageRequest.Apply(loaded.model(),
                                    planned.masks(), null, scored.scores(), obs, Granularity.unstructured(), 3L), StageReply.Applied.class)
                                    .map(applied -> context.verify(() -> {
                                        double[][] after = net.getParam("1_W").castTo(DataType.DOUBLE).toDoubleMatrix();
                                        double[][] keep = stores.masks().get(planned.masks()).of(layer).orElseThrow()
                                                .castTo(DataType.DOUBLE).toDoubleMatrix();
                                        double[][] scores = stores.scores().get(scored.scores()).scores().get(layer)
                                                .castTo(DataType.DOUBLE).toDoubleMatrix();
                                        checkObs(inputs, before, keep, scores, after);
                                    }))));
        }).onComplete(context.succeedingThenComplete());
    }

    /** Weights are [inputs, units], as DL4J keeps a dense layer's; X is [samples, inputs]. */
    private static void checkObs(double[][] x, double[][] before, double[][] keep, double[][] scores, double[][] after) {
        int d = before.length;
        int units = before[0].length;
        double[][] h = new double[d][d];
        for (double[] sample : x) {
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    h[a][b] += 2 * sample[a] * sample[b] / x.length;
                }
            }
        }
        double meanDiagonal = 0;
        for (int j = 0; j < d; j++) {
            h[j][j] = h[j][j] == 0 ? 1 : h[j][j];
            meanDiagonal += h[j][j] / d;
        }
        for (int j = 0; j < d; j++) {
            h[j][j] += 0.01 * meanDiagonal;
        }
        double[][] g = new LUDecomposition(new Array2DRowRealMatrix(h))
                .getSolver().getInverse().getData();
        double largestScore = 0;
        for (int j = 0; j < d; j++) {
            for (int u = 0; u < units; u++) {
                largestScore = Math.max(largestScore, before[j][u] * before[j][u] / g[j][j]);
            }
        }
        for (int j = 0; j < d; j++) {
            for (int u = 0; u < units; u++) {
                assertThat(scores[j][u]).as("score of weight (%d, %d)", j, u)
                        .isCloseTo(before[j][u] * before[j][u] / g[j][j], within(1e-4 * largestScore));
            }
        }
        double[][] expected = new double[d][];
        for (int j = 0; j < d; j++) {
            expected[j] = before[j].clone();
        }
        for (int j = 0; j < d; j++) {
            for (int u = 0; u < units; u++) {
                if (keep[j][u] == 0) {
                    double error = expected[j][u] / g[j][j];
                    for (int c = j; c < d; c++) {
                        expected[c][u] -= error * g[j][c];
                    }
                    expected[j][u] = 0;
                }
            }
            // eliminate input j: G ← G − G[:, j] G[j, :] / G_jj over the inputs still to visit
            for (int a = j + 1; a < d; a++) {
                double factor = g[a][j] / g[j][j];
                for (int b = j + 1; b < d; b++) {
                    g[a][b] -= factor * g[j][b];
                }
            }
        }
        double largestWeight = 0;
        double largestMove = 0;
        for (int j = 0; j < d; j++) {
            for (int u = 0; u < units; u++) {
                largestWeight = Math.max(largestWeight, Math.abs(before[j][u]));
                largestMove = Math.max(largestMove, Math.abs(expected[j][u] - before[j][u] * keep[j][u]));
            }
        }
        for (int j = 0; j < d; j++) {
            for (int u = 0; u < units; u++) {
                assertThat(after[j][u]).as("weight (%d, %d) after OBS", j, u).isCloseTo(expected[j][u], within(1e-3 * largestWeight));
            }
        }
        assertThat(largestMove).as("the update moves kept weights").isGreaterThan(0.05 * largestWeight);

        // ‖X(Ŵ − W)‖²: the error OBS minimises, against masking the same weights without the update
        double masked = reconstructionError(x, before, (j, u) -> before[j][u] * keep[j][u]);
        double compensated = reconstructionError(x, before, (j, u) -> after[j][u]);
        assertThat(compensated).as("reconstruction error with OBS's update, against %s after masking alone", masked)
                .isLessThan(0.9 * masked);
    }

    private interface Weight {
        double at(int input, int unit);
    }

    private static double reconstructionError(double[][] x, double[][] dense, Weight pruned) {
        double error = 0;
        for (double[] sample : x) {
            for (int u = 0; u < dense[0].length; u++) {
                double difference = 0;
                for (int j = 0; j < dense.length; j++) {
                    difference += sample[j] * (pruned.at(j, u) - dense[j][u]);
                }
                error += difference * difference;
            }
        }
        return error;
    }

    @Test
    void scorerFailsAnUnknownSaliencyWithTheBadInputCode(Vertx vertx, VertxTestContext context) {
        load(vertx).compose(loaded -> request(vertx, Addresses.SCORER_SCORE,
                        new StageRequest.Score(loaded.model(), loaded.data(), null, loaded.params(), new SaliencySpec("magnitud", Options.NONE), Granularity.unstructured(), 1L),
                        StageReply.Scored.class))
                .onComplete(context.failing(error -> context.verify(() -> {
                    assertThat(((ReplyException) error).failureCode()).isEqualTo(FailureCode.BAD_INPUT.code());
                    assertThat(error.getMessage()).contains("did you mean 'magnitude'?");
                    context.completeNow();
                })));
    }

    @Test
    void aHandleThatIsNotHeldIsNotFound(Vertx vertx, VertxTestContext context) {
        request(vertx, Addresses.PRUNER_APPLY, new StageRequest.Apply(new Handle<>("model", "model-99"),
                new Handle<>("masks", "masks-99")), StageReply.Applied.class)
                .onComplete(context.failing(error -> context.verify(() -> {
                    assertThat(((ReplyException) error).failureCode()).isEqualTo(FailureCode.NOT_FOUND.code());
                    context.completeNow();
                })));
    }
}
