package dev.secateur.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.files.DurableFiles;
import dev.secateur.model.MaskSet;
import dev.secateur.model.ModelFiles;
import dev.secateur.model.Network;
import dev.secateur.result.StepResult;
import dev.secateur.spi.ParamRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's checkpoints, in {@code checkpoints/}: after the dense baseline is evaluated (step 0) and after every
 * schedule step, the model with its updater state, the masks in force and the rows so far. A checkpoint's
 * files are written first and forced to disk; {@code step-N.json}, renamed into place last, commits it. A
 * checkpoint without its JSON was torn by a crash and is never read.
 */
public final class Checkpoints {

    public static final String DIR = "checkpoints";
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Checkpoints() {
    }

    /**
     * One committed checkpoint.
     *
     * @param step    the last step completed; the run resumes with the next
     * @param results the rows of steps 0..step, exactly as the run had them
     * @param ratios  the per-layer ratios a sensitivity budget chose, empty without one
     */
    public record Checkpoint(Path dir, int step, List<StepResult> results, Map<String, Double> ratios) {

        public Path model() {
            return dir.resolve("model.zip");
        }

        public Path masks() {
            return dir.resolve("masks");
        }

        /** The run's other networks by role ({@code control.zip}, {@code teacher.zip}, {@code rewind.zip}), as written. */
        public Map<String, Path> networks() {
            var found = new TreeMap<String, Path>();
            for (var role : ROLES) {
                var file = dir.resolve(role + ".zip");
                if (Files.isRegularFile(file)) {
                    found.put(role, file);
                }
            }
            return found;
        }
    }

    /** The roles of the networks a run keeps beside the one it prunes. */
    public static final List<String> ROLES = List.of("control", "teacher", "rewind");

    /** Writes and commits the checkpoint of {@code step}, then drops the older ones. */
    public static Path write(Path runDir, int step, Network net, MaskSet masks, List<StepResult> results, Map<String, Double> ratios) {
        return write(runDir, step, net, masks, results, ratios, Map.of());
    }

    /**
     * Writes and commits the checkpoint of {@code step}, then drops the older ones; {@code networks} are the
     * run's other networks by one of the {@link #ROLES}.
     */
    public static Path write(Path runDir, int step, Network net, MaskSet masks, List<StepResult> results, Map<String, Double> ratios,
                             Map<String, Network> networks) {
        var root = runDir.resolve(DIR);
        var dir = root.resolve("step-" + step);
        try {
            deleteRecursively(dir); // a torn attempt at this same step
            Files.createDirectories(dir.resolve("masks"));
            ModelFiles.save(net, dir.resolve("model.zip"));
            for (var entry : new TreeMap<>(networks).entrySet()) {
                if (!ROLES.contains(entry.getKey())) {
                    throw new IllegalArgumentException("no network role '" + entry.getKey() + "'; roles are " + ROLES);
                }
                ModelFiles.save(entry.getValue(), dir.resolve(entry.getKey() + ".zip"));
            }
            for (var entry : masks.masks().entrySet()) {
                var file = dir.resolve("masks").resolve(entry.getKey() + ".bin");
                Nd4j.saveBinary(entry.getValue(), file.toFile());
                DurableFiles.force(file);
            }
            DurableFiles.force(dir.resolve("masks"));
            DurableFiles.force(dir);
            var info = JSON.createObjectNode();
            info.put("step", step);
            info.set("results", rows(results));
            var chosen = info.putObject("ratios");
            ratios.forEach(chosen::put);
            var tmp = root.resolve("step-" + step + ".json.tmp");
            Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(info), StandardCharsets.UTF_8);
            DurableFiles.force(tmp);
            Files.move(tmp, root.resolve("step-" + step + ".json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            // a torn checkpoint is never read, but it holds space a full disk needs for the FAILED marker
            try {
                deleteRecursively(dir);
                Files.deleteIfExists(root.resolve("step-" + step + ".json.tmp"));
            } catch (IOException ignored) {
                // the earlier checkpoint is what matters, and it is untouched
            }
            String why = e instanceof IOException ? e.toString() : String.valueOf(e.getMessage());
            throw new UncheckedIOException("cannot write the checkpoint of step " + step + " to " + dir + ": " + why
                    + "; the checkpoint before it is intact", e instanceof IOException io ? io : new IOException(e));
        }
        // committed: from here on a failure must not touch it, and the older ones are only space
        try {
            DurableFiles.force(root);
            for (var older : committedSteps(root)) {
                if (older < step) {
                    Files.deleteIfExists(root.resolve("step-" + older + ".json"));
                    deleteRecursively(root.resolve("step-" + older));
                }
            }
        } catch (IOException e) {
            LOG.warn("checkpoint of step {} in {} is committed, but older ones could not be removed: {}", step, root, e.toString());
        }
        return dir;
    }

    /** The latest committed checkpoint, if any; torn ones (files without their JSON) are passed over. */
    public static Optional<Checkpoint> latest(Path runDir) {
        var root = runDir.resolve(DIR);
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try {
            var steps = committedSteps(root);
            for (int i = steps.size() - 1; i >= 0; i--) {
                int step = steps.get(i);
                var dir = root.resolve("step-" + step);
                if (Files.isRegularFile(dir.resolve("model.zip"))) {
                    JsonNode info = JSON.readTree(root.resolve("step-" + step + ".json").toFile());
                    var ratios = new LinkedHashMap<String, Double>();
                    info.path("ratios").fields().forEachRemaining(e -> ratios.put(e.getKey(), e.getValue().asDouble()));
                    return Optional.of(new Checkpoint(dir, step, results(info.path("results")), ratios));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the checkpoints in " + root + ": " + e.getMessage(), e);
        }
    }

    /** The masks a checkpoint holds. */
    public static MaskSet masks(Checkpoint checkpoint) {
        var masks = new TreeMap<ParamRef, INDArray>();
        try (Stream<Path> files = Files.list(checkpoint.masks())) {
            for (var file : files.sorted().toList()) {
                String name = file.getFileName().toString();
                masks.put(ParamRef.parse(name.substring(0, name.length() - ".bin".length())), Nd4j.readBinary(file.toFile()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the masks of " + checkpoint.dir() + ": " + e.getMessage(), e);
        }
        return masks.isEmpty() ? MaskSet.NONE : MaskSet.of(masks);
    }

    /** Drops checkpoints after {@code step}: a resumed run redoes those steps. */
    static void dropAfter(Path runDir, int step) {
        var root = runDir.resolve(DIR);
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> entries = Files.list(root)) {
            for (var entry : entries.toList()) {
                var m = Pattern.compile("step-(\\d+)(\\.json(\\.tmp)?)?").matcher(entry.getFileName().toString());
                if (m.matches() && Integer.parseInt(m.group(1)) > step || entry.getFileName().toString().endsWith(".tmp")) {
                    deleteRecursively(entry);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Integer> committedSteps(Path root) throws IOException {
        try (Stream<Path> entries = Files.list(root)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.matches("step-\\d+\\.json"))
                    .map(n -> Integer.parseInt(n.substring(5, n.length() - 5))).sorted().toList();
        }
    }

    private static ArrayNode rows(List<StepResult> results) {
        var rows = JSON.createArrayNode();
        for (var r : results) {
            ObjectNode row = rows.addObject();
            row.put("step", r.step());
            row.put("targetSparsity", r.targetSparsity());
            row.put("sparsity", r.sparsity());
            row.put("accuracy", r.accuracy());
            row.put("loss", r.loss());
            row.put("params", r.params());
            row.put("nonzeroParams", r.nonzeroParams());
            row.put("flops", r.flops());
            row.put("effectiveFlops", r.effectiveFlops());
            row.put("latencyMs", r.latencyMs());
            row.put("finetuneExamplesPerS", r.finetuneExamplesPerS());
            var layers = row.putObject("layerSparsity");
            r.layerSparsity().forEach((ref, value) -> layers.put(ref.toString(), value));
            row.put("largeBatch", r.largeBatch());
            row.put("largeBatchLatencyMs", r.largeBatchLatencyMs());
            row.put("controlAccuracy", r.controlAccuracy());
            row.put("evalExamplesPerS", r.evalExamplesPerS());
            row.put("perplexity", r.perplexity());
            row.put("controlPerplexity", r.controlPerplexity());
        }
        return rows;
    }

    private static List<StepResult> results(JsonNode rows) {
        var results = new ArrayList<StepResult>();
        for (var row : rows) {
            var layers = new TreeMap<ParamRef, Double>();
            row.path("layerSparsity").fields().forEachRemaining(e -> layers.put(ParamRef.parse(e.getKey()), e.getValue().asDouble()));
            results.add(new StepResult(row.path("step").asInt(), row.path("targetSparsity").asDouble(), row.path("sparsity").asDouble(),
                    row.path("accuracy").asDouble(), row.path("loss").asDouble(), row.path("params").asLong(),
                    row.path("nonzeroParams").asLong(), row.path("flops").asLong(), row.path("effectiveFlops").asLong(),
                    row.path("latencyMs").asDouble(), row.path("finetuneExamplesPerS").asDouble(), layers,
                    row.path("largeBatch").asInt(), row.path("largeBatchLatencyMs").asDouble(),
                    row.path("controlAccuracy").asDouble(Double.NaN), row.path("evalExamplesPerS").asDouble(Double.NaN),
                    row.path("perplexity").asDouble(Double.NaN), row.path("controlPerplexity").asDouble(Double.NaN)));
        }
        return results;
    }

    /** Forces a file's or a directory's contents to disk, so a rename after it commits durable data. */
    /** Deletes a directory and all it holds; nothing when it is not there. */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> all = Files.walk(path)) {
            for (var p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
