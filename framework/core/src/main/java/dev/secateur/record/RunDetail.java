package dev.secateur.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Everything a page or a report shows of one run, read from its directory alone: the spec, the result rows,
 * each step's full result (per-layer sparsity included) from its step-completed event, the timeline,
 * training throughput over time from the progress events, decisions, sensitivity curves, the comparison
 * with its points, the masks and the files. The dashboard's API and report.html both use it, so what
 * they show is what the run directory holds.
 */
public final class RunDetail {

    static final ObjectMapper JSON = new ObjectMapper();
    /** Enough points to draw throughput over a long run without shipping every progress event. */
    static final int MAX_THROUGHPUT_POINTS = 600;

    private RunDetail() {
    }

    /** The run in {@code dir}; {@code running} says whether a live process runs it. */
    public static ObjectNode of(Path dir, boolean running) {
        return of(dir, RunIndex.status(dir, running));
    }

    /** A run whose last event is being written, by the process that ran it: its status is how it ended. */
    public static ObjectNode ended(Path dir) {
        return of(dir, RunIndex.ended(dir));
    }

    private static ObjectNode of(Path dir, RunIndex.Status status) {
        var node = JSON.createObjectNode();
        node.put("id", dir.getFileName().toString());
        node.put("status", status.name());
        node.put("dir", dir.toAbsolutePath().toString());
        node.set("spec", RunIndex.spec(dir));
        node.set("results", JSON.valueToTree(RunIndex.results(dir)));
        readEvents(dir, node);
        node.put("failure", firstLine(dir.resolve(RunDirectory.FAILED)));
        node.put("cancelled", firstLine(dir.resolve(RunDirectory.CANCELLED)));
        node.set("sensitivity", JSON.valueToTree(Csv.read(dir.resolve(SensitivityFiles.CSV))));
        node.set("chosenRatios", JSON.valueToTree(Csv.read(dir.resolve(SensitivityFiles.RATIOS))));
        node.set("correlations", JSON.valueToTree(Csv.read(dir.resolve(ComparisonFiles.CSV))));
        node.set("correlationPoints", JSON.valueToTree(Csv.read(dir.resolve(ComparisonFiles.POINTS))));
        node.put("explainPlan", text(dir.resolve(RunDirectory.EXPLAIN_PLAN)));
        node.set("files", files(dir));
        return node;
    }

    /** The timeline, steps, decisions and throughput from events.jsonl, in one pass. */
    private static void readEvents(Path dir, ObjectNode node) {
        var steps = JSON.createArrayNode();
        var decided = JSON.createArrayNode();
        var progress = new ArrayList<JsonNode>();
        String started = null;
        String ended = null;
        Path events = dir.resolve(RunDirectory.EVENTS);
        if (Files.isRegularFile(events)) {
            try (BufferedReader in = Files.newBufferedReader(events, StandardCharsets.UTF_8)) {
                for (String line; (line = in.readLine()) != null; ) {
                    JsonNode event;
                    try {
                        event = JSON.readTree(line);
                    } catch (IOException partial) {
                        continue; // a line still being written
                    }
                    switch (event.path("event").asText()) {
                        case "started" -> started = started != null ? started : event.path("time").asText(null);
                        case "resumed" -> ended = null;
                        case "step-completed" -> steps.add(event.path("result"));
                        case "decided" -> decided.add(event);
                        case "progress" -> progress.add(event);
                        case "completed", "failed", "cancelled", "interrupted" -> ended = event.path("time").asText(null);
                        default -> {
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + events + ": " + e.getMessage(), e);
            }
        }
        node.set("steps", steps);
        node.set("decided", decided);
        node.put("started", started);
        node.put("ended", ended);
        if (started != null && ended != null) {
            node.put("seconds", Duration.between(Instant.parse(started), Instant.parse(ended)).toMillis() / 1000.0);
        }
        node.set("throughput", throughput(progress, started));
    }

    /**
     * Training examples per second between consecutive progress events of the same phase, step and epoch,
     * against seconds since the run started; thinned to at most {@value #MAX_THROUGHPUT_POINTS} points.
     */
    static ArrayNode throughput(List<JsonNode> progress, String started) {
        var points = new ArrayList<ObjectNode>();
        Instant origin = started != null ? Instant.parse(started) : progress.isEmpty() ? Instant.EPOCH
                : Instant.parse(progress.get(0).path("time").asText());
        for (int i = 1; i < progress.size(); i++) {
            var a = progress.get(i - 1);
            var b = progress.get(i);
            if (!a.path("phase").equals(b.path("phase")) || a.path("step").asInt() != b.path("step").asInt()
                    || a.path("epoch").asInt() != b.path("epoch").asInt()) {
                continue;
            }
            Instant ta = Instant.parse(a.path("time").asText());
            Instant tb = Instant.parse(b.path("time").asText());
            double seconds = Duration.between(ta, tb).toNanos() / 1e9;
            long examples = b.path("examplesDone").asLong() - a.path("examplesDone").asLong();
            if (seconds <= 0 || examples <= 0) {
                continue;
            }
            var point = JSON.createObjectNode();
            point.put("t", Duration.between(origin, tb).toNanos() / 1e9);
            point.put("examplesPerS", examples / seconds);
            point.put("phase", b.path("phase").asText());
            point.put("step", b.path("step").asInt());
            points.add(point);
        }
        var out = JSON.createArrayNode();
        int stride = Math.max(1, (points.size() + MAX_THROUGHPUT_POINTS - 1) / MAX_THROUGHPUT_POINTS);
        for (int i = 0; i < points.size(); i += stride) {
            out.add(points.get(i));
        }
        return out;
    }

    /** Every file of the run, by its path inside the run directory, with its size. */
    private static ArrayNode files(Path dir) {
        var out = JSON.createArrayNode();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : walk.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString)).toList()) {
                if (dir.relativize(file).toString().startsWith(".") || file.getFileName().toString().startsWith(".")) {
                    continue; // bookkeeping such as .lock and a write's temporary file, not a result
                }
                var entry = JSON.createObjectNode();
                entry.put("path", dir.relativize(file).toString().replace('\\', '/'));
                entry.put("bytes", Files.size(file));
                out.add(entry);
            }
        } catch (IOException | UncheckedIOException e) {
            // a file removed while we looked: the list is what was there
        }
        return out;
    }

    private static String firstLine(Path file) {
        String text = text(file);
        return text == null ? null : text.lines().findFirst().orElse("");
    }

    private static String text(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
