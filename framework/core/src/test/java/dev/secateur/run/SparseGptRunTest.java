package dev.secateur.run;

import static dev.secateur.dsl.ExperimentBuilder.baseline;
import static dev.secateur.dsl.ExperimentBuilder.experiment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.Fixtures;
import dev.secateur.config.SecateurConfig;
import dev.secateur.data.Calibration;
import dev.secateur.data.DatasetLoader;
import dev.secateur.dsl.Dsl;
import dev.secateur.model.MaskSet;
import dev.secateur.model.ModelFiles;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.plugin.PluginHost;
import dev.secateur.prune.Pruner;
import dev.secateur.record.RunDirectory;
import dev.secateur.runtime.Secateur;
import dev.secateur.score.ScoreSet;
import dev.secateur.score.Scorer;
import dev.secateur.spec.DataSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Options;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SparseGPT over the bus: every layer is pruned in turn, with its inputs computed through the layers pruned before it. */
class SparseGptRunTest {

    private static final long SEED = 5;
    private static final DataSpec DATA = new DataSpec(new DataSpec.Embedded(), 1000, 300);
    private static PluginHost plugins;
    private static Secateur secateur;

    @TempDir
    Path runs;

    @BeforeAll
    static void start() {
        plugins = PluginHost.start(List.of(Fixtures.pluginsDir()));
        secateur = Secateur.start(SecateurConfig.defaults(), plugins, new DatasetLoader(Path.of("/nonexistent")));
    }

    @AfterAll
    static void stop() {
        secateur.close();
    }

    @Test
    void eachLayerIsPrunedWithInputsComputedThroughTheLayersAlreadyPrunedInTheStep() {
        var dense = secateur.experiments().run(baseline("dense", e -> e.seed(SEED)
                .model(m -> m.train("lenet-300-100").epochs(1)).data(DATA)), runs);
        Path denseModel = dense.runDir().resolve(RunDirectory.MODEL);
        var pruned = secateur.experiments().run(experiment("sparsegpt", e -> e.seed(SEED)
                .model(m -> m.load(denseModel.toString())).data(DATA)
                .saliency("sparsegpt").calibration(64).granularity(Granularity.unstructured()).scope(Dsl.layerwise())
                .schedule("one-shot", s -> s.target(0.5)).finetune(f -> f.epochs(0))), runs);
        Network result = ModelFiles.load(pruned.runDir().resolve(RunDirectory.MODEL));

        // the same step with the plain classes: layer by layer, each scored on the model as the layers before left it
        Network sequential = replay(denseModel, true);
        Network onePass = replay(denseModel, false);
        for (var param : NetworkLayout.prunable(result)) {
            var key = param.weights().layer() + "_W";
            assertThat(result.getParam(key)).as("%s as the run left it", key).isEqualTo(sequential.getParam(key));
        }
        // the first layer sees the dense model's inputs either way; the last layers see the pruned ones only in turn
        assertThat(onePass.getParam("0_W")).isEqualTo(sequential.getParam("0_W"));
        assertThat(onePass.getParam("2_W")).isNotEqualTo(sequential.getParam("2_W"));
    }

    private static Network replay(Path denseModel, boolean inTurn) {
        Network net = ModelFiles.load(denseModel);
        var calibration = Calibration.sample(new DatasetLoader(Path.of("/nonexistent")).load(DATA, SEED), 64, SEED);
        var method = new Scorer.Method(plugins.saliency("sparsegpt").extension(), "replay", Options.NONE);
        var granularity = Granularity.unstructured();
        var scope = new Scope.LayerWise(Set.of());
        var target = new Pruner.StepTarget(1, 0.5, Map.of());
        var provenance = new Provenance("sparsegpt", "replay", Options.NONE, "one-shot", "replay", SEED);
        var scorer = new Scorer();
        var pruner = new Pruner();
        var params = NetworkLayout.prunable(net);
        var masks = MaskSet.NONE;
        var targets = Map.of(params.get(0).weights(), 0.5, params.get(1).weights(), 0.5, params.get(2).weights(), 0.5);
        var before = inTurn ? null : scorer.score(net, params, masks, method, granularity, SEED, calibration, null, targets);
        for (var param : params) {
            var scores = inTurn ? scorer.score(net, List.of(param), masks, method, granularity, SEED, calibration, null, targets)
                    : before;
            var next = MaskSet.of(pruner.plan(List.of(param), scores, masks, granularity, scope, target, provenance).masks());
            var only = inTurn ? scores : ScoreSet.of(Map.of(param.weights(), scores.scores().get(param.weights())),
                    scores.saliency(), scores.version(), scores.statistics());
            pruner.compensate(net, only, masks, next, method.extension(), Options.NONE, granularity, SEED);
            pruner.apply(net, next);
            masks = next;
        }
        return net;
    }

    @Test
    void aGlobalScopeIsRefusedBeforeTheRunStarts() {
        var spec = experiment("sparsegpt-global", e -> e.seed(SEED).model(m -> m.train("lenet-300-100").epochs(1)).data(DATA)
                .saliency("sparsegpt").scope(Dsl.global()).schedule("one-shot", s -> s.target(0.5)));
        assertThatThrownBy(() -> secateur.experiments().run(spec, runs)).hasMessageContaining("prunes one layer at a time")
                .hasMessageContaining("layerwise()");
    }
}
