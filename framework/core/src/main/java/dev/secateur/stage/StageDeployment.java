package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.cluster.JobDispatch;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Deploys the stage verticles, in data-flow order, and the recorder, each a worker on a thread of its own. */
public final class StageDeployment {

    private StageDeployment() {
    }

    public static Future<Void> deploy(Vertx vertx, Stores stores, PluginHost plugins, DatasetLoader datasets,
                                      MeterRegistry registry, SecateurConfig config) {
        return deploy(vertx, stores, plugins, datasets, registry, config, JobDispatch.local());
    }

    /** The same, with the evaluator's probes and the oracle's units measured where {@code jobs} says. */
    public static Future<Void> deploy(Vertx vertx, Stores stores, PluginHost plugins, DatasetLoader datasets,
                                      MeterRegistry registry, SecateurConfig config, JobDispatch jobs) {
        var loader = new LoaderVerticle(stores, new Loader(datasets), registry).timeout(config.timeout(SecateurConfig.LOADER));
        var scorer = new ScorerVerticle(stores, plugins, new Scorer(), registry, jobs).timeout(config.timeout(SecateurConfig.SCORER));
        var pruner = new PrunerVerticle(stores, new Pruner(), plugins, registry).timeout(config.timeout(SecateurConfig.PRUNER));
        var fineTuner = new FineTunerVerticle(stores, new FineTuner(), registry).timeout(config.timeout(SecateurConfig.FINETUNER));
        var evaluator = new EvaluatorVerticle(stores, new Evaluator(), new SensitivityProbe(new Pruner()), registry, jobs)
                .timeout(config.timeout(SecateurConfig.EVALUATOR));
        var recorder = new RecorderVerticle(stores, new RunRecorder(), registry).timeout(config.timeout(SecateurConfig.RECORDER));
        var stages = List.of(loader, scorer, pruner, fineTuner, evaluator, recorder);
        // registered from the deploying thread, so it runs on an event loop while the stages' own threads are busy
        vertx.eventBus().<String>consumer(Addresses.STAGE_INTERRUPT, message -> stages.forEach(stage -> stage.cancelRun(message.body())));
        return Future.all(
                vertx.deployVerticle(loader, worker(config, SecateurConfig.LOADER)),
                vertx.deployVerticle(scorer, worker(config, SecateurConfig.SCORER)),
                vertx.deployVerticle(pruner, worker(config, SecateurConfig.PRUNER)),
                vertx.deployVerticle(fineTuner, worker(config, SecateurConfig.FINETUNER)),
                vertx.deployVerticle(evaluator, worker(config, SecateurConfig.EVALUATOR)),
                vertx.deployVerticle(recorder, worker(config, SecateurConfig.RECORDER)))
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
                // an epoch takes minutes, so Vert.x's 60 s blocked-thread warning would be noise; the stage stops a
                // job at its own timeout, and the warning is left for a job that did not stop well after that
                .setMaxWorkerExecuteTime(blockedAfter(config, stage).toSeconds())
                .setMaxWorkerExecuteTimeUnit(TimeUnit.SECONDS);
    }

    /** When Vert.x may call a stage's thread blocked: twice its timeout and a minute, after the stage's own stop. */
    public static Duration blockedAfter(SecateurConfig config, String stage) {
        return config.timeout(stage).multipliedBy(2).plusSeconds(60);
    }
}
