package dev.secateur.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.errors.BadInputException;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.ExperimentSpec;
import dev.secateur.spec.SpecJson;
import dev.secateur.spec.TrainingSpec;
import io.vertx.core.json.JsonObject;

/**
 * A spec on the cluster's bus: {@link SpecJson}, the one JSON form of a spec, as the Vert.x objects that jobs
 * carry. A worker accepts only what a script could have declared; it never receives code.
 */
public final class SpecWire {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SENT = "the experiment sent over the cluster";

    private SpecWire() {
    }

    public static JsonObject encode(ExperimentSpec spec) {
        return new JsonObject(SpecJson.encode(spec).toString());
    }

    /** The spec back, through its validating constructors; a malformed message is refused as bad input. */
    public static ExperimentSpec decode(JsonObject json) {
        try {
            return SpecJson.decode(tree(json), SENT);
        } catch (BadInputException e) {
            throw new BadInputException(e.getMessage() + "; coordinator and worker must run the same Secateur version", e);
        }
    }

    public static JsonObject data(DataSpec data) {
        return new JsonObject(SpecJson.data(data).toString());
    }

    public static DataSpec data(JsonObject json) {
        try {
            return SpecJson.data(tree(json));
        } catch (RuntimeException e) {
            throw new BadInputException("the data sent over the cluster is not a valid data spec (" + e.getMessage()
                    + "); coordinator and worker must run the same Secateur version", e);
        }
    }

    public static JsonObject training(TrainingSpec training) {
        return new JsonObject(SpecJson.training(training).toString());
    }

    public static TrainingSpec training(JsonObject json) {
        try {
            return SpecJson.training(tree(json));
        } catch (RuntimeException e) {
            throw new BadInputException("the training settings sent over the cluster are not valid (" + e.getMessage()
                    + "); coordinator and worker must run the same Secateur version", e);
        }
    }

    private static JsonNode tree(JsonObject json) {
        if (json == null) {
            throw new BadInputException(SENT + " is missing from the job");
        }
        try {
            return JSON.readTree(json.encode());
        } catch (JsonProcessingException e) {
            throw new BadInputException(SENT + " is not JSON (" + e.getOriginalMessage() + ")", e);
        }
    }
}
