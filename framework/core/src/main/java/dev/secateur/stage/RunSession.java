package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.FailureCode;
import dev.secateur.bus.RunEvent;
import dev.secateur.bus.StageReply;
import dev.secateur.bus.StageRequest;
import dev.secateur.bus.TrainingPhase;
import dev.secateur.errors.BadInputException;
import dev.secateur.model.NativeBackend;
import dev.secateur.model.Network;
import dev.secateur.model.NetworkLayout;
import dev.secateur.model.UnitGroup;
import dev.secateur.sensitivity.BudgetSolver;
import dev.secateur.sensitivity.SensitivityCurves;
import dev.secateur.sensitivity.SensitivityFiles;
import dev.secateur.shrink.ShrinkProjection;
import dev.secateur.spec.SensitivitySpec;
import dev.secateur.spi.ParamRef;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import dev.secateur.model.PrunableParam;
import dev.secateur.plugin.ClosestMatch;
import dev.secateur.plugin.PluginHost;
import dev.secateur.prune.MaskSet;
import dev.secateur.prune.Pruner;
import dev.secateur.run.ResolvedSpec;
import dev.secateur.run.RunDirectory;
import dev.secateur.run.StepResult;
import dev.secateur.schedule.StepPlanner;
import dev.secateur.run.ComparisonFiles;
import dev.secateur.score.Comparison;
import dev.secateur.score.Scorer;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.ModelSpec;
import dev.secateur.spec.TrainingSpec;
import dev.secateur.spi.Granularity;
import dev.secateur.spi.Options;
import dev.secateur.spi.Provenance;
import dev.secateur.spi.Scope;
import dev.secateur.store.Handle;
import dev.secateur.store.Stores;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One experiment as it runs: load, train the baseline, then score, plan, apply, fine-tune and evaluate
 * for each step, recording every event. It runs on the coordinator's event loop and only sends requests;
 * file writes go through {@code executeBlocking}, which keeps their order.
 */
final class RunSession {

    private final Vertx vertx;
    private final Stores stores;
    private final PluginHost plugins;
    private final SecateurConfig config;
    private final ExperimentSpec spec;
    private final Path runsDir;
    private final String runId;
    private final List<StepResult> results = new ArrayList<>();
    private final Set<Handle<?>> held = new HashSet<>();

    private List<StepPlanner.PlannedStep> steps;
    private String saliencyVersion;
    private String scheduleVersion;
    private RunEvent.Tags tags;
    private StageReply.Loaded loaded;
    private List<PrunableParam> inScope;
    private List<PrunableParam> compared;
    private RunDirectory dir;
    private Handle<MaskSet> masks;
    /** The model the steps work on: the loaded one, until physical removal replaces it. */
    private Handle<Network> model;
    private List<PrunableParam> params;
    /** The declared scope, or the per-layer ratios a sensitivity analysis chose. */
    private Scope scope;
    private List<Comparison.Row> comparison = List.of();

    RunSession(Vertx vertx, Stores stores, PluginHost plugins, SecateurConfig config, ExperimentSpec spec, Path runsDir,
               Clock clock) {
        this.vertx = vertx;
        this.stores = stores;
        this.plugins = plugins;
        this.config = config;
        this.spec = spec;
        this.runsDir = runsDir;
        this.runId = RunDirectory.newRunId(spec.name(), clock);
    }

    String runId() {
        return runId;
    }

    Future<StageReply.ExperimentDone> run() {
        return Future.<Void>succeededFuture()
                .compose(v -> validate())
                .compose(v -> send(Addresses.LOADER_LOAD, SecateurConfig.LOADER,
                        new StageRequest.Load(spec.model(), spec.data(), spec.seed()), StageReply.Loaded.class))
                .compose(this::open)
                .compose(v -> baseline())
                .compose(throughput -> evaluate(0, 0.0, throughput, true))
                .compose(v -> spec.sensitivity() == null ? Future.succeededFuture() : sensitivity())
                .compose(v -> {
                    if (spec.compare() != null) {
                        return compare();
                    }
                    Future<Void> chain = Future.succeededFuture();
                    for (var step : steps) {
                        chain = chain.compose(ignored -> step(step));
                    }
                    return chain;
                })
                .compose(v -> send(Addresses.LOADER_SAVE, SecateurConfig.LOADER,
                        new StageRequest.Save(model, dir.path().resolve(RunDirectory.MODEL)), StageReply.Saved.class))
                .compose(v -> record(new RunEvent.RunCompleted(runId, spec.name(), dir.path().toString(), List.copyOf(results))))
                .map(v -> new StageReply.ExperimentDone(runId, dir.path(), List.copyOf(results), comparison))
                .recover(this::failed)
                .andThen(done -> release());
    }

    /** Everything that can be checked before loading: plugin ids, their options, the schedule's steps. */
    private Future<Void> validate() {
        var saliency = located("saliency", () -> plugins.saliency(spec.saliency().id()));
        located("saliency", () -> {
            checkOptions("saliency '" + saliency.id() + "'", saliency.extension().options().keySet(), spec.saliency().options());
            saliency.extension().validate(spec.saliency().options());
            return null;
        });
        var schedule = located("schedule", () -> plugins.schedule(spec.schedule().id()));
        steps = located("schedule", () -> {
            checkOptions("schedule '" + schedule.id() + "'", schedule.extension().options().keySet(), spec.schedule().options());
            return StepPlanner.plan(schedule.extension(), spec.schedule(), spec.scope(), spec.finetune().epochs());
        });
        if (spec.granularity() instanceof Granularity.SemiStructured nm) {
            located("granularity", () -> {
                checkNmTargets(nm);
                return null;
            });
        }
        if (spec.compare() != null) {
            located("compare", () -> {
                for (var criterion : spec.compare().methods()) {
                    var found = plugins.saliency(criterion.id());
                    checkOptions("saliency '" + found.id() + "'", found.extension().options().keySet(), criterion.options());
                    try {
                        found.extension().validate(criterion.options());
                    } catch (IllegalArgumentException e) {
                        throw new BadInputException("saliency '" + found.id() + "': " + e.getMessage());
                    }
                }
                return null;
            });
        }
        saliencyVersion = saliency.version();
        scheduleVersion = schedule.version();
        scope = spec.scope();
        tags = new RunEvent.Tags(saliency.id(), schedule.id(), spec.granularity().id(),
                spec.scopeFromSensitivity() ? "sensitivity" : spec.scope().id());
        return Future.succeededFuture();
    }

    /**
     * Runs a check and adds where the part was declared to its message; a plugin's refusal of an option
     * value (an IllegalArgumentException) is bad input too.
     */
    private <T> T located(String part, java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (BadInputException e) {
            throw new BadInputException(e.getMessage() + spec.at(part), e);
        } catch (IllegalArgumentException e) {
            String id = part.equals("saliency") ? spec.saliency().id() : spec.schedule().id();
            throw new BadInputException(part + " '" + id + "': " + e.getMessage() + spec.at(part), e);
        }
    }

    /** N:M fixes the sparsity, so every step must aim at exactly 1 - N/M. */
    private void checkNmTargets(Granularity.SemiStructured nm) {
        for (var planned : steps) {
            if (Math.abs(planned.step().targetSparsity() - nm.sparsity()) > 1e-9) {
                throw new BadInputException(nm.n() + ":" + nm.m() + " removes exactly " + nm.sparsity()
                        + " of the weights in every group, but step " + planned.step().index() + " aims at "
                        + planned.step().targetSparsity() + "; use schedule 'one-shot', target: " + nm.sparsity());
            }
        }
    }

    private static void checkOptions(String what, Set<String> known, Options given) {
        for (String option : given.values().keySet()) {
            if (!known.contains(option)) {
                throw new BadInputException(ClosestMatch.unknownOption(what, option, known));
            }
        }
    }

    /** After a successful load: check the scope against the model, then create the run directory. */
    private Future<Void> open(StageReply.Loaded reply) {
        loaded = reply;
        model = reply.model();
        params = reply.params();
        held.add(reply.model());
        held.add(reply.data());
        inScope = located("scope", () -> Pruner.inScope(reply.params(), spec.granularity(), spec.scope()));
        if (spec.sensitivity() != null) {
            located("sensitivity", () -> sensitivityGroups());
        }
        if (spec.compare() != null) {
            compared = located("compare", () -> compareScope(reply.params()));
            located("compare", () -> {
                for (var criterion : spec.compare().methods()) {
                    Scorer.checkRequirements(plugins.saliency(criterion.id()).extension(), criterion.options(),
                            stores.models().get(reply.model()), compared);
                }
                return null;
            });
        }
        located("saliency", () -> {
            Scorer.checkRequirements(plugins.saliency(spec.saliency().id()).extension(), spec.saliency().options(),
                    stores.models().get(reply.model()), inScope);
            return null;
        });
        var stepTargets = steps.stream().map(s -> s.step().targetSparsity()).toList();
        return blocking(() -> {
            dir = RunDirectory.create(runsDir, runId);
            dir.writeSpec(ResolvedSpec.of(runId, spec, saliencyVersion, scheduleVersion, reply.modelParams(),
                    reply.dataSource(), reply.dataSha256(), reply.trainSize(), reply.testSize(), stepTargets,
                    NativeBackend.variant()));
        }).compose(v -> record(new RunEvent.RunStarted(runId, spec.name(), dir.path().toString(),
                spec.compare() == null ? steps.size() : 0, tags, compareSummary())));
    }

    /** The parameters a comparison covers: those it names, or every one its granularity can rank. */
    private List<PrunableParam> compareScope(List<PrunableParam> params) {
        var all = Pruner.inScope(params, spec.compare().granularity(), new Scope.LayerWise(Set.of()));
        var named = spec.compare().layers();
        if (named.isEmpty()) {
            return all;
        }
        for (var ref : named) {
            if (all.stream().noneMatch(p -> p.weights().equals(ref))) {
                throw new BadInputException("compare names layer " + ref + ", which " + spec.compare().granularity().id()
                        + " cannot rank in this model; choose from " + all.stream().map(p -> p.weights().toString()).toList());
            }
        }
        return all.stream().filter(p -> named.contains(p.weights())).toList();
    }

    private String compareSummary() {
        if (spec.compare() == null) {
            return null;
        }
        var c = spec.compare();
        return c.criteria().stream().map(dev.secateur.spec.SaliencySpec::id).collect(java.util.stream.Collectors.joining(", "))
                + " against " + c.against().id() + " on " + compared.stream().map(p -> p.weights().toString())
                .collect(java.util.stream.Collectors.joining(", ")) + " (" + c.granularity().id() + ")";
    }

    /** Scores the compared layers with every criterion and the reference, then writes the correlations. */
    private Future<Void> compare() {
        return send(Addresses.SCORER_COMPARE, SecateurConfig.SCORER,
                new StageRequest.Compare(loaded.model(), loaded.data(), compared, spec.compare(), spec.saliency().calibration(),
                        spec.seed()), StageReply.Compared.class)
                .compose(reply -> blocking(() -> {
                    ComparisonFiles.write(dir.path(), reply.report());
                    comparison = reply.report().rows();
                }));
    }

    /** Trains the dense model if the spec asks for it; the throughput goes into step 0's row. */
    private Future<Double> baseline() {
        if (!(spec.model() instanceof ModelSpec.Train train) || train.training().epochs() == 0) {
            return Future.succeededFuture(Double.NaN);
        }
        return train(TrainingPhase.BASELINE, 0, null, train.training(), spec.seed());
    }

    private Future<Double> train(TrainingPhase phase, int step, Handle<MaskSet> withMasks,
                                 TrainingSpec training, long seed) {
        return send(Addresses.FINETUNER_TRAIN, SecateurConfig.FINETUNER,
                new StageRequest.Train(runId, phase, step, model, loaded.data(), withMasks, training, seed),
                StageReply.Trained.class)
                .map(trained -> trained.report().examplesPerSecond());
    }

    private Future<Void> step(StepPlanner.PlannedStep planned) {
        var step = planned.step();
        var target = new Pruner.StepTarget(step.index(), stepTarget(planned), planned.perLayerTargets());
        var provenance = new Provenance(spec.saliency().id(), saliencyVersion, spec.saliency().options(),
                spec.schedule().id(), scheduleVersion, spec.seed());
        return send(Addresses.SCORER_SCORE, SecateurConfig.SCORER,
                new StageRequest.Score(model, loaded.data(), masks, inScope, spec.saliency(), spec.granularity(),
                        spec.seed()), StageReply.Scored.class)
                .compose(scored -> {
                    held.add(scored.scores());
                    return send(Addresses.PRUNER_PLAN, SecateurConfig.PRUNER,
                            new StageRequest.Plan(scored.scores(), masks, params, spec.granularity(), scope,
                                    target, provenance, dir.path()), StageReply.Planned.class)
                            .compose(plan -> {
                                var previous = masks;
                                masks = plan.masks();
                                held.add(masks);
                                // the scores' statistics serve a compensating method (OBS) once more, then go
                                return send(Addresses.PRUNER_APPLY, SecateurConfig.PRUNER,
                                        new StageRequest.Apply(model, masks, previous, scored.scores(), spec.saliency(),
                                                spec.granularity(), spec.seed()), StageReply.Applied.class)
                                        .andThen(done -> releaseOne(previous));
                            })
                            .andThen(done -> releaseOne(scored.scores()));
                })
                .compose(applied -> spec.shrink() && step.index() == steps.size() ? shrink() : Future.<Void>succeededFuture())
                .compose(applied -> step.finetuneEpochs() == 0 ? Future.succeededFuture(Double.NaN)
                        : train(TrainingPhase.FINETUNE, step.index(), masks,
                        new TrainingSpec(step.finetuneEpochs(), spec.finetune().batchSize(),
                                spec.finetune().learningRate(), spec.finetune().l2()), spec.seed() + step.index()))
                .compose(throughput -> evaluate(step.index(), target.target(), throughput,
                        spec.evaluate().everyStep() || step.index() == steps.size()));
    }

    /** The step's overall target; under a per-layer scope, the weight-weighted mean of the layer targets. */
    private double stepTarget(StepPlanner.PlannedStep planned) {
        if (!(scope instanceof Scope.PerLayer)) {
            return planned.step().targetSparsity();
        }
        double weighted = 0;
        long total = 0;
        for (var param : inScope) {
            long n = param.size();
            weighted += planned.perLayerTargets().get(param.weights()) * n;
            total += n;
        }
        return weighted / total;
    }

    private Future<Void> evaluate(int step, double target, double throughput, boolean measure) {
        return send(Addresses.EVALUATOR_EVALUATE, SecateurConfig.EVALUATOR,
                new StageRequest.Evaluate(model, loaded.data(), spec.evaluate(), measure), StageReply.Evaluated.class)
                .compose(evaluated -> {
                    var result = StepResult.of(step, target, evaluated.report(), throughput);
                    results.add(result);
                    return record(new RunEvent.StepCompleted(runId, spec.name(), steps.size(), result, tags));
                });
    }

    /** The groups a sensitivity analysis covers: those it names, or every removable one in scope. */
    private List<PrunableParam> sensitivityGroups() {
        var net = stores.models().get(loaded.model());
        var removable = NetworkLayout.groups(net).stream()
                .filter(UnitGroup::removable)
                .map(g -> g.producers().get(0))
                .filter(p -> inScope.stream().anyMatch(q -> q.weights().equals(p.weights())))
                .toList();
        var named = spec.sensitivity().layers();
        for (var ref : named) {
            if (removable.stream().noneMatch(p -> p.weights().equals(ref))) {
                throw new BadInputException("sensitivity names layer " + ref + ", whose units cannot be removed in this model "
                        + "or which the scope excludes; choose from " + removable.stream().map(p -> p.weights().toString()).toList()
                        + " (bin/secateur plan SCRIPT explains why)");
            }
        }
        var chosen = named.isEmpty() ? removable : removable.stream().filter(p -> named.contains(p.weights())).toList();
        if (chosen.isEmpty()) {
            throw new BadInputException("no layer of this model can be analysed: none has units that can be removed"
                    + " (bin/secateur plan SCRIPT explains why)");
        }
        return chosen;
    }

    /**
     * Li et al.'s sensitivity analysis: one independent probe per group and ratio, sent to the evaluators
     * all at once; then the curves are written and, under a budget, turned into the per-layer scope.
     */
    private Future<Void> sensitivity() {
        var analysis = spec.sensitivity();
        var groups = sensitivityGroups();
        var structured = (Granularity.Structured) spec.granularity();
        boolean timed = analysis.budget() != null && analysis.budget().measure() == SensitivitySpec.Measure.LATENCY;
        var provenance = new Provenance(spec.saliency().id(), saliencyVersion, spec.saliency().options(),
                spec.schedule().id(), scheduleVersion, spec.seed());
        return send(Addresses.SCORER_SCORE, SecateurConfig.SCORER,
                new StageRequest.Score(model, loaded.data(), masks, groups, spec.saliency(), spec.granularity(), spec.seed()),
                StageReply.Scored.class)
                .compose(scored -> {
                    held.add(scored.scores());
                    var probes = new ArrayList<Future<StageReply.Probed>>();
                    for (var group : groups) {
                        for (double ratio : analysis.ratios()) {
                            probes.add(send(Addresses.EVALUATOR_PROBE, SecateurConfig.EVALUATOR,
                                    new StageRequest.Probe(model, loaded.data(), scored.scores(), group, structured, ratio,
                                            analysis.samples(), provenance, spec.seed(), timed), StageReply.Probed.class));
                        }
                    }
                    // ratio 0 prunes nothing: the dense accuracy on the same sample
                    var dense = send(Addresses.EVALUATOR_PROBE, SecateurConfig.EVALUATOR,
                            new StageRequest.Probe(model, loaded.data(), scored.scores(), groups.get(0), structured, 0.0,
                                    analysis.samples(), provenance, spec.seed(), false), StageReply.Probed.class);
                    return Future.all(probes).compose(all -> dense.map(d -> {
                        var accuracies = new LinkedHashMap<String, double[]>();
                        var latencies = new LinkedHashMap<String, double[]>();
                        int k = 0;
                        for (var group : groups) {
                            double[] values = new double[analysis.ratios().size()];
                            double[] times = new double[values.length];
                            for (int i = 0; i < values.length; i++) {
                                var point = probes.get(k++).result();
                                values[i] = point.accuracy();
                                times[i] = point.latencyRatio();
                            }
                            accuracies.put(group.weights().toString(), values);
                            if (timed) {
                                latencies.put(group.weights().toString(), times);
                            }
                        }
                        return new SensitivityCurves(d.accuracy(), analysis.ratios(), accuracies, latencies);
                    })).andThen(done -> releaseOne(scored.scores()));
                })
                .compose(curves -> vertx.executeBlocking(() -> {
                    SensitivityFiles.write(dir.path(), curves);
                    return analysis.budget() == null ? null : chooseRatios(curves, analysis.budget());
                }))
                .compose(lines -> lines == null ? Future.succeededFuture()
                        : record(new RunEvent.Decided(runId, spec.name(), "sensitivity", lines)));
    }

    /** Solves the budget, writes the ratios, and makes them the scope and the steps of this run. */
    private List<String> chooseRatios(SensitivityCurves curves,
                                      SensitivitySpec.Budget budget) {
        var net = stores.models().get(model);
        var example = stores.data().get(loaded.data()).test().features().getRow(0, true).dup();
        var projection = ShrinkProjection.of(net, example);
        var dense = projection.dense();
        var units = new LinkedHashMap<String, Long>();
        projection.groups().forEach(g -> units.put(g.id(), g.units()));
        Function<Map<String, Double>, ShrinkProjection.Totals> project = ratios -> {
            var kept = new LinkedHashMap<String, Long>();
            ratios.forEach((group, ratio) -> kept.put(group, ShrinkProjection.keptAt(units.get(group), ratio)));
            return projection.project(kept);
        };
        var ratios = located("scope", () -> BudgetSolver.solve(curves, budget.cut(), r -> {
            var totals = project.apply(r);
            return switch (budget.measure()) {
                case FLOPS -> totals.flopsCut(dense);
                case PARAMS -> totals.paramsCut(dense);
                case LATENCY -> curves.latencyCut(r);
            };
        }));
        SensitivityFiles.writeRatios(dir.path(), ratios, units);
        var targets = new LinkedHashMap<ParamRef, Double>();
        ratios.forEach((group, ratio) -> {
            if (ratio > 0) {
                targets.put(ParamRef.parse(group), ratio);
            }
        });
        scope = new Scope.PerLayer(targets, spec.scope().excluded());
        inScope = Pruner.inScope(params, spec.granularity(), scope);
        steps = StepPlanner.plan(plugins.schedule(spec.schedule().id()).extension(), spec.schedule(), scope,
                spec.finetune().epochs());
        var projected = project.apply(ratios);
        var lines = new ArrayList<String>();
        ratios.forEach((group, ratio) -> lines.add(String.format(Locale.ROOT, "%s: remove %.0f%% (%d of %d units)",
                group, ratio * 100, units.get(group) - ShrinkProjection.keptAt(units.get(group), ratio), units.get(group))));
        lines.add(String.format(Locale.ROOT, "projected: FLOPs -%.1f%%, params -%.1f%%%s (budget: %s)",
                projected.flopsCut(dense) * 100, projected.paramsCut(dense) * 100, curves.timed()
                        ? String.format(Locale.ROOT, ", latency at batch 256 -%.1f%% (the per-layer times added up)", curves.latencyCut(ratios) * 100)
                        : "", budget));
        return lines;
    }

    /** Physical removal after the last step: later fine-tuning, evaluation and the saved model use the smaller network. */
    private Future<Void> shrink() {
        var before = model;
        var beforeMasks = masks;
        return send(Addresses.PRUNER_SHRINK, SecateurConfig.PRUNER, new StageRequest.Shrink(model, masks, true), StageReply.Shrunk.class)
                .compose(shrunk -> {
                    model = shrunk.model();
                    masks = shrunk.masks();
                    params = shrunk.params();
                    held.add(model);
                    held.add(masks);
                    releaseOne(before);
                    releaseOne(beforeMasks);
                    inScope = inScopeAfterShrink();
                    var lines = new ArrayList<String>(shrunk.notes());
                    lines.add("fine-tuning, evaluation and the saved model go on with the smaller network");
                    var sliced = stores.masks().get(masks);
                    return blocking(() -> dir.writeShrunkMasks(sliced))
                            .compose(v -> record(new RunEvent.Decided(runId, spec.name(), "shrink", lines)));
                });
    }

    /** The same parameters as before physical removal, with their new shapes. */
    private List<PrunableParam> inScopeAfterShrink() {
        var refs = inScope.stream().map(PrunableParam::weights).toList();
        return params.stream().filter(p -> refs.contains(p.weights())).toList();
    }

    /** Appends progress published by the fine-tuner to events.jsonl. */
    void onProgress(RunEvent.TrainingProgress progress) {
        if (dir != null) {
            blocking(() -> dir.appendEvent(progress.type(), progress));
        }
    }

    /** Records an event in the run directory, then publishes it. */
    private Future<Void> record(RunEvent event) {
        return blocking(() -> {
            if (dir != null) {
                dir.appendEvent(event.type(), event);
                if (event instanceof RunEvent.StepCompleted completed) {
                    dir.appendResult(completed.result());
                }
            }
        }).onSuccess(v -> vertx.eventBus().publish(event.address(), event));
    }

    private Future<StageReply.ExperimentDone> failed(Throwable error) {
        var code = FailureCode.of(error);
        String message = StageVerticle.messageOf(error);
        var event = new RunEvent.RunFailed(runId, spec.name(), code, message, dir == null ? null : dir.path().toString());
        Future<Void> written = dir == null ? Future.succeededFuture() : blocking(() -> dir.markFailed(code + ": " + message));
        return written.compose(v -> record(event)).transform(ignored ->
                Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, code.code(), message)));
    }

    private void release() {
        held.forEach(stores::release);
        held.clear();
    }

    private void releaseOne(Handle<?> handle) {
        if (handle != null && held.remove(handle)) {
            stores.release(handle);
        }
    }

    private <R> Future<R> send(String address, String stage, Object request, Class<R> replyType) {
        long timeoutMs = config.timeout(stage).toMillis();
        return vertx.eventBus().request(address, request, new DeliveryOptions().setSendTimeout(timeoutMs))
                .map(message -> replyType.cast(message.body()))
                .recover(error -> {
                    if (error instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT) {
                        return Future.failedFuture(new ReplyException(ReplyFailure.TIMEOUT, FailureCode.TIMEOUT.code(),
                                "the " + stage + " did not answer within " + timeoutMs / 1000 + " s; raise timeoutSeconds."
                                        + stage + " in the configuration (--config) for bigger models or data"));
                    }
                    return Future.failedFuture(error);
                });
    }

    private Future<Void> blocking(Runnable work) {
        return vertx.executeBlocking(() -> {
            work.run();
            return null;
        });
    }

}
