package dev.secateur.cluster;

import dev.secateur.errors.BadInputException;
import dev.secateur.sensitivity.SensitivityProbe;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spi.ParamRef;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The job types a worker runs, as the JSON that crosses the cluster; {@link ClusterWorker} reads the same fields.
 * Data is named, not sent: its source, and the SHA-256 of the IDX files that the worker's own copy must match.
 */
public final class Jobs {

    public static final String PROBE = "probe";
    public static final String UNIT_LOSS = "unit-loss";
    public static final String EXPERIMENT = "experiment";

    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private Jobs() {
    }

    /** A run id from another member, checked before it names a directory: never a path out of the runs directory. */
    public static String runId(String id) {
        if (id == null || !RUN_ID.matcher(id).matches() || id.contains("..")) {
            throw new BadInputException("run id '" + id + "' from the cluster is not a run id (letters, "
                    + "digits, '.', '_' and '-'); the job is refused");
        }
        return id;
    }

    /** One sensitivity point measured right after pruning: these masks applied, accuracy on the sample {@code samples, seed}. */
    public static JsonObject probe(ModelWire model, DataSpec data, String dataSha256, long seed, int samples, double ratio,
                                   boolean timed, Map<ParamRef, INDArray> masks) {
        return probe(model, data, dataSha256, seed, samples, ratio, timed, SensitivityProbe.Recovery.NONE, masks);
    }

    /**
     * One sensitivity point: these masks applied to the model, accuracy on the validation sample {@code samples, seed};
     * a recovery adds {@code recover} (examples) and {@code training} (the fine-tuning settings), and only then.
     */
    public static JsonObject probe(ModelWire model, DataSpec data, String dataSha256, long seed, int samples, double ratio,
                                   boolean timed, SensitivityProbe.Recovery recovery, Map<ParamRef, INDArray> masks) {
        var job = new JsonObject().put("type", PROBE).put("model", model.sha256()).put("data", SpecWire.data(data))
                .put("dataSha256", dataSha256).put("seed", seed).put("samples", samples).put("ratio", ratio).put("timed", timed)
                .put("masks", MaskWire.encode(masks));
        return recovery.none() ? job
                : job.put("recover", recovery.examples()).put("training", SpecWire.training(recovery.training()));
    }

    /** The recovery a probe job asks for: none when it names none. */
    public static SensitivityProbe.Recovery recovery(JsonObject probe) {
        Integer examples = probe.getInteger("recover");
        return examples == null || examples == 0 ? SensitivityProbe.Recovery.NONE
                : new SensitivityProbe.Recovery(examples, SpecWire.training(probe.getJsonObject("training")));
    }

    /** The oracle's measurement of one unit: the calibration loss with output unit {@code unit} of {@code param} removed. */
    public static JsonObject unitLoss(ModelWire model, DataSpec data, String dataSha256, long seed, int calibration,
                                      ParamRef param, int unit) {
        return new JsonObject().put("type", UNIT_LOSS).put("model", model.sha256()).put("data", SpecWire.data(data))
                .put("dataSha256", dataSha256).put("seed", seed).put("calibration", calibration).put("param", param.toString())
                .put("unit", unit);
    }

    /** A whole experiment, run under {@code runId}; {@code model} is the loaded model file's digest, or null. */
    public static JsonObject experiment(ExperimentSpec spec, String runId, String dataSha256, String model) {
        var job = new JsonObject().put("type", EXPERIMENT).put("spec", SpecWire.encode(spec)).put("runId", runId)
                .put("dataSha256", dataSha256);
        return model == null ? job : job.put("model", model);
    }
}
