package dev.secateur.bench;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.bus.TrainingPhase;
import dev.secateur.config.SecateurConfig;
import dev.secateur.data.DatasetLoader;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.finetune.FineTuner;
import dev.secateur.finetune.TrainingProgressListener;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.plugin.PluginHost;
import dev.secateur.prune.Pruner;
import dev.secateur.runtime.Secateur;
import dev.secateur.score.Scorer;
import dev.secateur.spec.EvaluateSpec;
import dev.secateur.spec.SaliencySpec;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Options;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * One pruning step (score, plan, apply, fine-tune one epoch, evaluate) through the event bus and its
 * verticles, against the same plain classes called directly. A second pair leaves fine-tuning out, so
 * the bus's share of a short step shows too.
 */
public final class BusOverheadBench {

    private static final Provenance PROVENANCE = new Provenance("magnitude", "bench", Options.NONE, "one-shot", "bench", 1L);

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        var data = BenchData.full();
        var plugins = PluginHost.start(List.of(Path.of(System.getProperty("secateur.bench.plugins", "scripts/bench/target/plugins"))));
        try (var secateur = Secateur.start(SecateurConfig.defaults(), plugins, new DatasetLoader())) {
            var trained = Architecture.LENET_300_100.build(1L, 1e-3);
            new FineTuner().train(trained, data.train(), new TrainingSpec(1, 64, 1e-3), MaskSet.NONE, 1L, TrainingProgressListener.NONE);
            var params = NetworkLayout.prunable(trained);
            var dataHandle = secateur.stores().data().put(data);
            var epoch = new TrainingSpec(1, 64, 1e-3);
            var target = new Pruner.StepTarget(1, 0.9, Map.of());
            var scope = new Scope.Global(Set.of());

            for (boolean finetune : new boolean[]{true, false}) {
                System.out.println(finetune ? "step with one fine-tuning epoch of " + data.train().size() + " examples:"
                        : "step without fine-tuning (score, plan, apply, evaluate):");
                var result = Paired.run(
                        "direct", () -> {
                            MultiLayerNetwork net = trained.clone();
                            return () -> {
                                var magnitude = plugins.saliency("magnitude");
                                var scores = new Scorer().score(net, params, MaskSet.NONE,
                                        new Scorer.Method(magnitude.extension(), magnitude.version(), Options.NONE),
                                        Granularity.unstructured(), 1L, null);
                                var plan = new Pruner().plan(params, scores, MaskSet.NONE, Granularity.unstructured(), scope, target, PROVENANCE);
                                var masks = MaskSet.of(plan.masks());
                                new Pruner().apply(net, masks);
                                if (finetune) {
                                    new FineTuner().train(net, data.train(), epoch, masks, 7L, TrainingProgressListener.NONE);
                                }
                                new Evaluator().evaluate(net, data.test(), EvaluateSpec.DEFAULT, true);
                            };
                        },
                        "bus", () -> {
                            var model = secateur.stores().models().put(Network.of(trained.clone()));
                            return () -> {
                                var scored = request(secateur, Addresses.SCORER_SCORE, new StageRequest.Score(model, dataHandle, null, params,
                                        new SaliencySpec("magnitude", Options.NONE), Granularity.unstructured(), 1L), StageReply.Scored.class);
                                var planned = request(secateur, Addresses.PRUNER_PLAN, new StageRequest.Plan(scored.scores(), null, params,
                                        Granularity.unstructured(), scope, target, PROVENANCE), StageReply.Planned.class);
                                request(secateur, Addresses.PRUNER_APPLY, new StageRequest.Apply(model, planned.masks()), StageReply.Applied.class);
                                if (finetune) {
                                    request(secateur, Addresses.FINETUNER_TRAIN, new StageRequest.Train("bench", TrainingPhase.FINETUNE, 1,
                                            model, dataHandle, planned.masks(), epoch, 7L), StageReply.Trained.class);
                                }
                                request(secateur, Addresses.EVALUATOR_EVALUATE, new StageRequest.Evaluate(model, dataHandle,
                                        EvaluateSpec.DEFAULT, true), StageReply.Evaluated.class);
                                secateur.stores().scores().release(scored.scores());
                                secateur.stores().masks().release(planned.masks());
                                secateur.stores().models().release(model);
                            };
                        },
                        rounds);
                System.out.println(result.report());
            }
        }
    }

    private static <T> T request(Secateur secateur, String address, Object body, Class<T> reply) {
        try {
            return reply.cast(secateur.vertx().eventBus().request(address, body).toCompletionStage().toCompletableFuture().get().body());
        } catch (Exception e) {
            throw new IllegalStateException(address + " failed: " + e.getMessage(), e);
        }
    }
}
