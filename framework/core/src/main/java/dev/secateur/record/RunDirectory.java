package dev.secateur.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.errors.BadInputException;
import dev.secateur.files.DurableFiles;
import dev.secateur.model.MaskSet;
import dev.secateur.model.ModelFiles;
import dev.secateur.model.Network;
import dev.secateur.model.onnx.OnnxWriter;
import dev.secateur.result.StepResult;
import dev.secateur.spi.PruningPlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code runs/<run-id>/}: spec.json, events.jsonl, results.csv, masks/step-N/*.npy and model-final.zip.
 *
 * <p>A run that completes gets model-final.zip last. A run that fails gets a FAILED file with the reason
 * instead, so a half-written directory never looks complete.
 */
public final class RunDirectory {

    public static final String SPEC = "spec.json";
    public static final String EVENTS = "events.jsonl";
    public static final String RESULTS = "results.csv";
    public static final String MODEL = "model-final.zip";
    public static final String FAILED = "FAILED";
    public static final String CANCELLED = "CANCELLED";
    /** Stopped by SIGTERM or Ctrl-C at a safe point; its last checkpoint resumes it. */
    public static final String INTERRUPTED = "INTERRUPTED";
    public static final String SHRUNK_MASKS = "shrunk";
    public static final String MASKS = "masks";
    /** What a structured run's physical removal would take, as {@code bin/secateur plan} prints it. */
    public static final String EXPLAIN_PLAN = "explain-plan.txt";
    /** The run's page, readable from the file system: summary, plots, spec and provenance. */
    public static final String REPORT = "report.html";
    /** Where exports go, from the run ({@code export onnx: true}) or from {@code bin/secateur export}. */
    public static final String EXPORT = "export";
    /** The final network as ONNX, written before model-final.zip when the spec asks for it. */
    public static final String ONNX = EXPORT + "/model.onnx";

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper JSON_LINE = new ObjectMapper();

    private final Path path;
    private final String runId;

    private RunDirectory(Path path, String runId) {
        this.path = path;
        this.runId = runId;
    }

    /** A run id: the experiment name, a UTC time stamp and 4 random hex digits. */
    public static String newRunId(String experiment, Clock clock) {
        return experiment + "-" + STAMP.format(clock.instant()) + "-"
                + String.format("%04x", ThreadLocalRandom.current().nextInt(1 << 16));
    }

    public static RunDirectory create(Path runsDir, String runId) {
        var dir = runsDir.resolve(runId);
        try {
            Files.createDirectories(runsDir);
            Files.createDirectory(dir);
            Files.writeString(dir.resolve(RESULTS), ResultsCsv.HEADER + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run directory " + dir + ": " + e.getMessage(), e);
        }
        RunLock.take(dir);
        return new RunDirectory(dir, runId);
    }

    /**
     * Opens an existing run to resume it from its latest checkpoint: results.csv is rewritten from the
     * checkpoint's rows (so a row lost or torn by a crash comes back), the events, masks and checkpoints of
     * later steps go, as do the marker of how it stopped and a torn last line; then the directory is locked
     * again. The events before the checkpoint stay, as its history.
     *
     * @param steps the run's number of schedule steps: the shrunk masks of the last one stay only if it is done
     */
    public static RunDirectory reopen(Path dir, Checkpoints.Checkpoint checkpoint, String saliency, int steps) {
        int step = checkpoint.step();
        // taken before anything changes: of two resumes started together, exactly one goes on
        RunLock.take(dir);
        try {
            if (Files.exists(dir.resolve(MODEL)) || Checkpoints.latest(dir).map(Checkpoints.Checkpoint::step).orElse(-1) != step) {
                // another resume went on and moved the run since this one looked at it
                throw new BadInputException("run " + dir.getFileName() + " changed while this resume started (another resume "
                        + "took it further); look at it again with bin/secateur runs before resuming");
            }
            dropTemporaryFiles(dir);
            var rows = new StringBuilder(ResultsCsv.HEADER).append('\n');
            for (var result : checkpoint.results()) {
                rows.append(ResultsCsv.row(result, saliency)).append('\n');
            }
            DurableFiles.writeString(dir.resolve(RESULTS), rows.toString());
            dropTornLine(dir.resolve(EVENTS));
            dropEventsAfter(dir.resolve(EVENTS), step);
            for (String marker : new String[]{FAILED, CANCELLED, INTERRUPTED, MODEL, ONNX, REPORT}) {
                Files.deleteIfExists(dir.resolve(marker));
            }
            var masks = dir.resolve(MASKS);
            if (Files.isDirectory(masks)) {
                try (var stepDirs = Files.list(masks)) {
                    for (var stepDir : stepDirs.toList()) {
                        String name = stepDir.getFileName().toString();
                        boolean redone = name.equals(SHRUNK_MASKS) ? step < steps
                                : name.startsWith("step-") && Integer.parseInt(name.substring(5)) > step;
                        if (redone) {
                            Checkpoints.deleteRecursively(stepDir);
                        }
                    }
                }
            }
            Checkpoints.dropAfter(dir, step);
        } catch (IOException | RuntimeException e) {
            RunLock.release(dir);
            throw e instanceof IOException io ? new UncheckedIOException("cannot reopen run directory " + dir + ": " + e.getMessage(), io)
                    : (RuntimeException) e;
        }
        return new RunDirectory(dir, dir.getFileName().toString());
    }

    /**
     * Drops the step and decision events that came after the checkpoint's step: the resumed run records them
     * again, and a reader counting steps must not see one twice. Progress and how the run stopped stay.
     */
    private static void dropEventsAfter(Path events, int step) throws IOException {
        if (!Files.isRegularFile(events)) {
            return;
        }
        var kept = new ArrayList<String>();
        boolean after = step < 0; // no checkpoint: every decision is made again
        for (String line : Files.readAllLines(events, StandardCharsets.UTF_8)) {
            JsonNode event;
            try {
                event = JSON_LINE.readTree(line);
            } catch (IOException unreadable) {
                continue;
            }
            String type = event.path("event").asText();
            if (type.equals("step-completed") && event.path("result").path("step").asInt() == step) {
                after = true;
            } else if (type.equals("step-completed") && event.path("result").path("step").asInt() > step
                    || after && type.equals("decided")) {
                continue;
            }
            kept.add(line);
        }
        DurableFiles.writeString(events, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
    }

    /** The temporary files of whole-file writes that a crash interrupted: never read, only in the way. */
    private static void dropTemporaryFiles(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (var file : files.filter(f -> f.getFileName().toString().startsWith(".") && f.getFileName().toString().endsWith(".tmp"))
                    .toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** A crash can leave half a line at the end of an appended file; the next append would glue onto it. */
    static void dropTornLine(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        byte[] bytes = Files.readAllBytes(file);
        int end = bytes.length;
        if (end > 0 && bytes[end - 1] != '\n') {
            int lastNewline = end - 1;
            while (lastNewline >= 0 && bytes[lastNewline] != '\n') {
                lastNewline--;
            }
            DurableFiles.writeBytes(file, Arrays.copyOf(bytes, lastNewline + 1));
        }
    }

    public Path path() {
        return path;
    }

    public String runId() {
        return runId;
    }

    public void writeSpec(Object resolvedSpec) {
        try {
            DurableFiles.writeString(path.resolve(SPEC), JSON.writeValueAsString(resolvedSpec));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path.resolve(SPEC) + ": " + e.getMessage(), e);
        }
    }

    /** Appends one line to events.jsonl: the event's fields after its type and the time. */
    public void appendEvent(String type, Object event) {
        ObjectNode line = JSON_LINE.createObjectNode();
        line.put("event", type);
        line.put("time", Instant.now().toString());
        line.setAll((ObjectNode) JSON_LINE.valueToTree(event));
        append(EVENTS, line.toString());
    }

    /** Appends a step's row to results.csv; {@code saliency} is the run's, "" when it prunes nothing. */
    public void appendResult(StepResult result, String saliency) {
        append(RESULTS, ResultsCsv.row(result, saliency));
    }

    /**
     * Persists a plan: {@code masks/step-N/<param>.npy} per masked parameter (bool, true kept, false pruned,
     * loadable with numpy.load) and {@code plan.json} with the target, scope, granularity and provenance.
     */
    public Path writePlan(PruningPlan plan) {
        var dir = path.resolve(MASKS).resolve("step-" + plan.step());
        try {
            Files.createDirectories(dir);
            var kept = new TreeMap<String, Double>();
            for (var entry : plan.masks().entrySet()) {
                var mask = entry.getValue();
                Nd4j.writeAsNumpy(mask.castTo(DataType.BOOL), dir.resolve(entry.getKey() + ".npy").toFile());
                kept.put(entry.getKey().toString(), mask.sumNumber().doubleValue() / mask.length());
            }
            var info = new LinkedHashMap<String, Object>();
            info.put("step", plan.step());
            info.put("targetSparsity", plan.targetSparsity());
            info.put("scope", ResolvedSpec.scope(plan.scope()));
            info.put("granularity", plan.granularity().id());
            var p = plan.provenance();
            // in a fixed order, so the same plan writes the same bytes in every JVM
            var provenance = new LinkedHashMap<String, Object>();
            provenance.put("saliency", p.saliency());
            provenance.put("saliencyVersion", p.saliencyVersion());
            provenance.put("options", new TreeMap<>(p.options().values()));
            provenance.put("schedule", p.schedule());
            provenance.put("scheduleVersion", p.scheduleVersion());
            provenance.put("seed", p.seed());
            info.put("provenance", provenance);
            info.put("keptFraction", kept);
            JSON.writeValue(dir.resolve("plan.json").toFile(), info);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the plan to " + dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    /**
     * The masks after physical removal, laid out like the smaller network's parameters, in
     * {@code masks/shrunk/}; the step's own masks stay as they were written.
     */
    public void writeShrunkMasks(MaskSet masks) {
        var dir = path.resolve(MASKS).resolve(SHRUNK_MASKS);
        try {
            Files.createDirectories(dir);
            for (var entry : masks.masks().entrySet()) {
                Nd4j.writeAsNumpy(entry.getValue().castTo(DataType.BOOL), dir.resolve(entry.getKey() + ".npy").toFile());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the masks to " + dir + ": " + e.getMessage(), e);
        }
    }

    public void writeModel(Network net) {
        ModelFiles.save(net, path.resolve(MODEL));
    }

    /** export/model.onnx, written atomically. */
    public void writeOnnx(Network net) {
        OnnxWriter.save(net, path.resolve(ONNX));
    }

    /** A text file of the run, written whole. */
    public void writeText(String file, String text) {
        DurableFiles.writeString(path.resolve(file), text.endsWith("\n") ? text : text + "\n");
    }

    public void markFailed(String reason) {
        append(FAILED, reason);
    }

    public void markCancelled(String reason) {
        append(CANCELLED, reason);
    }

    public void markInterrupted(String reason) {
        append(INTERRUPTED, reason);
    }

    private void append(String file, String line) {
        try {
            Files.writeString(path.resolve(file), line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path.resolve(file) + ": " + e.getMessage(), e);
        }
    }
}
