package dev.secateur.stage;

import dev.secateur.bus.Addresses;
import dev.secateur.bus.FailureCode;
import dev.secateur.bus.RecordRequest;
import dev.secateur.bus.RunEvent;
import dev.secateur.bus.StageReply;
import dev.secateur.config.SecateurConfig;
import dev.secateur.model.MaskSet;
import dev.secateur.model.Network;
import dev.secateur.record.RunRecorder;
import dev.secateur.spi.PruningPlan;
import dev.secateur.store.Handle;
import dev.secateur.store.Stores;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The run directory's only writer, on a worker thread of its own, so writes keep the order in which they
 * were asked for. Stages return what they produced and the coordinator hands it here by handle; the
 * fine-tuner's progress events are appended as they are published.
 */
final class RecorderVerticle extends StageVerticle {

    private final RunRecorder recorder;

    RecorderVerticle(Stores stores, RunRecorder recorder, MeterRegistry registry) {
        super(SecateurConfig.RECORDER, stores, registry);
        this.recorder = recorder;
    }

    /** A file write cut by an interrupt would close its channel half-way; the recorder's jobs are short anyway. */
    @Override
    boolean interruptible() {
        return false;
    }

    @Override
    public Future<?> start() {
        serve(Addresses.RECORDER_WRITE, RecordRequest.class, request -> new StageReply.Recorded(write(request)));
        vertx.eventBus().<RunEvent.TrainingProgress>consumer(Addresses.FINETUNER_PROGRESS,
                message -> recorder.event(message.body().runId(), message.body().type(), message.body(), false));
        return Future.succeededFuture();
    }

    private Path write(RecordRequest request) {
        if (request instanceof RecordRequest.Open open) {
            return recorder.open(open.runsDir(), open.spec());
        }
        if (request instanceof RecordRequest.Event e) {
            var event = e.event();
            if (event instanceof RunEvent.RunFailed failed && failed.code() == FailureCode.INTERRUPTED) {
                recorder.interrupted(failed.runId(), failed.message(), failed);
                return null;
            }
            if (event instanceof RunEvent.RunFailed failed) {
                recorder.failed(failed.runId(), failed.code() + ": " + failed.message(), failed);
                return null;
            }
            if (event instanceof RunEvent.RunCancelled cancelled) {
                recorder.cancelled(cancelled.runId(), cancelled.message(), cancelled);
                return null;
            }
            if (event instanceof RunEvent.StepCompleted completed) {
                recorder.result(event.runId(), completed.result());
            }
            recorder.event(event.runId(), event.type(), event, event instanceof RunEvent.RunCompleted);
            return null;
        }
        if (request instanceof RecordRequest.Plan plan) {
            return recorder.plan(plan.runId(), PruningPlan.of(plan.step(), plan.targetSparsity(), plan.scope(),
                    plan.granularity(), stores.masks().get(plan.masks()).masks(), plan.provenance()));
        }
        if (request instanceof RecordRequest.ShrunkMasks shrunk) {
            recorder.shrunkMasks(shrunk.runId(), stores.masks().get(shrunk.masks()));
            return null;
        }
        if (request instanceof RecordRequest.Removal removal) {
            recorder.removal(removal.runId(), removal.figures());
            return null;
        }
        if (request instanceof RecordRequest.Correlations correlations) {
            recorder.comparison(correlations.runId(), correlations.report());
            return null;
        }
        if (request instanceof RecordRequest.Sensitivity sensitivity) {
            recorder.sensitivity(sensitivity.runId(), sensitivity.curves());
            return null;
        }
        if (request instanceof RecordRequest.ExplainPlan plan) {
            recorder.explainPlan(plan.runId(), plan.text());
            return null;
        }
        if (request instanceof RecordRequest.Ratios ratios) {
            recorder.ratios(ratios.runId(), ratios.ratios(), ratios.units());
            return null;
        }
        if (request instanceof RecordRequest.Reopen reopen) {
            return recorder.reopen(reopen.runDir(), reopen.step(), reopen.saliency(), reopen.steps(), reopen.now(),
                    reopen.acceptChanges());
        }
        if (request instanceof RecordRequest.Checkpoint checkpoint) {
            return recorder.checkpoint(checkpoint.runId(), checkpoint.step(), stores.models().get(checkpoint.model()),
                    checkpoint.masks() == null ? MaskSet.NONE : stores.masks().get(checkpoint.masks()),
                    checkpoint.results(), checkpoint.ratios(), networks(checkpoint.networks()));
        }
        if (request instanceof RecordRequest.Onnx onnx) {
            return recorder.onnx(onnx.runId(), stores.models().get(onnx.model()));
        }
        if (request instanceof RecordRequest.Model model) {
            return recorder.model(model.runId(), stores.models().get(model.model()));
        }
        throw new IllegalStateException("the recorder has no case for " + request.getClass().getName());
    }

    private Map<String, Network> networks(Map<String, Handle<Network>> handles) {
        var networks = new LinkedHashMap<String, Network>();
        handles.forEach((role, handle) -> networks.put(role, stores.models().get(handle)));
        return networks;
    }
}
