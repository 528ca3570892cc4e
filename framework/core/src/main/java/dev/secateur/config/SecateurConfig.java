package dev.secateur.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.errors.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Settings from {@code config/application.json}, overridable by a user file: where runs go, and how long
 * each stage may take to answer a request before the run fails with a timeout.
 */
public record SecateurConfig(Path runsDir, Map<String, Duration> timeouts) {

    public static final String LOADER = "loader";
    public static final String SCORER = "scorer";
    public static final String PRUNER = "pruner";
    public static final String FINETUNER = "finetuner";
    public static final String EVALUATOR = "evaluator";
    public static final String RECORDER = "recorder";
    public static final String EXPERIMENT = "experiment";
    /** Not a stage: the most a script may spend outside experiments before it is taken for a runaway loop. */
    public static final String SCRIPT = "script";

    private static final String DEFAULTS = "/dev/secateur/config/application.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public SecateurConfig {
        timeouts = Map.copyOf(timeouts);
        for (String stage : new String[]{LOADER, SCORER, PRUNER, FINETUNER, EVALUATOR, RECORDER, EXPERIMENT}) {
            if (!timeouts.containsKey(stage)) {
                throw new BadInputException("configuration lacks timeoutSeconds." + stage);
            }
        }
    }

    public Duration timeout(String stage) {
        var t = SCRIPT.equals(stage) ? timeouts.getOrDefault(SCRIPT, Duration.ofMinutes(10)) : timeouts.get(stage);
        if (t == null) {
            throw new IllegalArgumentException("no timeout for stage '" + stage + "'");
        }
        return t;
    }

    public SecateurConfig withRunsDir(Path dir) {
        return new SecateurConfig(dir, timeouts);
    }

    /** The defaults shipped in the jar. */
    public static SecateurConfig defaults() {
        return load(null);
    }

    /** The defaults, with the fields of {@code overrides} (if not null) laid over them. */
    public static SecateurConfig load(Path overrides) {
        ObjectNode merged;
        try (InputStream in = SecateurConfig.class.getResourceAsStream(DEFAULTS)) {
            merged = (ObjectNode) JSON.readTree(in);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the default configuration " + DEFAULTS + " is missing from the jar", e);
        }
        if (overrides != null) {
            JsonNode user;
            try {
                user = JSON.readTree(Files.readString(overrides));
            } catch (IOException e) {
                throw new BadInputException("cannot read configuration " + overrides + ": " + e.getMessage()
                        .replace('\n', ' '));
            }
            if (!(user instanceof ObjectNode userObject)) {
                throw new BadInputException("configuration " + overrides + " must hold a JSON object");
            }
            merge(merged, userObject, overrides);
        }
        var timeouts = new TreeMap<String, Duration>();
        merged.path("timeoutSeconds").fields().forEachRemaining(e -> {
            if (!e.getValue().isNumber() || e.getValue().asDouble() <= 0) {
                throw new BadInputException("configuration timeoutSeconds." + e.getKey() + " = " + e.getValue()
                        + " must be a positive number of seconds");
            }
            timeouts.put(e.getKey(), Duration.ofMillis((long) (e.getValue().asDouble() * 1000)));
        });
        return new SecateurConfig(Path.of(merged.path("runsDir").asText("runs")), timeouts);
    }

    private static void merge(ObjectNode into, ObjectNode from, Path file) {
        from.fields().forEachRemaining(e -> {
            var existing = into.get(e.getKey());
            if (existing == null) {
                throw new BadInputException("configuration " + file + " has unknown key '" + e.getKey()
                        + "'; known keys: " + String.join(", ", (Iterable<String>) into::fieldNames));
            }
            if (existing instanceof ObjectNode nested && e.getValue() instanceof ObjectNode nestedFrom) {
                merge(nested, nestedFrom, file);
            } else {
                into.set(e.getKey(), e.getValue());
            }
        });
    }
}
