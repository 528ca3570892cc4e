package dev.secateur.stage;

import dev.secateur.config.SecateurConfig;
import dev.secateur.data.DatasetLoader;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.finetune.FineTuner;
import dev.secateur.model.Loader;
import dev.secateur.plugin.PluginHost;
import dev.secateur.prune.Pruner;
import dev.secateur.record.RunRecorder;
import dev.secateur.score.Scorer;
import dev.secateur.sensitivity.SensitivityProbe;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/** Deploys the stage verticles, in data-flow order, and the recorder, each a worker on a thread of its own. */
public final class StageDeployment {

    private StageDeployment() {
    }

    public static Future<Void> deploy(Vertx vertx, Stores stores, PluginHost plugins, DatasetLoader datasets,
                                      MeterRegistry registry, SecateurConfig config) {
        return Future.all(
                vertx.deployVerticle(new LoaderVerticle(stores, new Loader(datasets), registry), worker(config, SecateurConfig.LOADER)),
                vertx.deployVerticle(new ScorerVerticle(stores, plugins, new Scorer(), registry), worker(config, SecateurConfig.SCORER)),
                vertx.deployVerticle(new PrunerVerticle(stores, new Pruner(), plugins, registry), worker(config, SecateurConfig.PRUNER)),
                vertx.deployVerticle(new FineTunerVerticle(stores, new FineTuner(), registry), worker(config, SecateurConfig.FINETUNER)),
                vertx.deployVerticle(new EvaluatorVerticle(stores, new Evaluator(), new SensitivityProbe(new Pruner()), registry),
                        worker(config, SecateurConfig.EVALUATOR)),
                vertx.deployVerticle(new RecorderVerticle(stores, new RunRecorder(), registry), worker(config, SecateurConfig.RECORDER)))
                .mapEmpty();
    }

    /**
     * A worker verticle on a thread of its own. ND4J keeps its workspaces (the reusable activation memory of
     * training and inference) per thread, so a stage that hopped across Vert.x's shared pool of 20 threads
     * could hold a set on each; one thread per stage holds one set per stage.
     */
    private static DeploymentOptions worker(SecateurConfig config, String stage) {
        return new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)
                .setWorkerPoolName("secateur-" + stage).setWorkerPoolSize(1)
                // as for the shared pool: an epoch takes minutes, so Vert.x's 60 s blocked-thread warning is noise
                .setMaxWorkerExecuteTime(config.timeout(SecateurConfig.EXPERIMENT).toSeconds())
                .setMaxWorkerExecuteTimeUnit(TimeUnit.SECONDS);
    }
}
