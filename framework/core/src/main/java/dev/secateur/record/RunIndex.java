package dev.secateur.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.errors.BadInputException;
import dev.secateur.spec.ExperimentSpec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads run directories back: what a list of runs shows, and one run's spec and result rows. What a run's
 * files say is its status: CANCELLED, FAILED, model-final.zip, or none of them while it runs (or if the
 * process that ran it is gone).
 */
public final class RunIndex {

    /** A run id: what {@link RunDirectory#newRunId} makes, and nothing that could leave the runs directory. */
    public static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a run's files say about it. */
    public enum Status {
        /** Declared by a submitted script or waiting for a free slot: it has no directory yet. */
        QUEUED,
        /** A live process runs it, until its last event is written. */
        RUNNING,
        COMPLETED,
        FAILED,
        CANCELLED,
        /** Stopped by a signal (INTERRUPTED), or killed: no final marker, and its LOCK's process is gone. */
        INTERRUPTED
    }

    /**
     * One line of a list of runs.
     *
     * @param steps    result rows written so far (step 0 is the dense model)
     * @param sparsity the last row's sparsity, NaN before any row
     * @param accuracy the last measured accuracy, NaN before any
     * @param started  the time of its first event, or null
     * @param ended    the time of its completed, failed or cancelled event, or null while it has none
     */
    public record Summary(String id, String experiment, Status status, String createdAt, String saliency, String schedule,
                          String granularity, int steps, double sparsity, double accuracy, String started, String ended) {
    }

    private final Path runsDir;

    public RunIndex(Path runsDir) {
        this.runsDir = runsDir;
    }

    public Path runsDir() {
        return runsDir;
    }

    /** Every run directory, newest first; {@code running} tells which unmarked runs a live process runs. */
    public List<Summary> list(Predicate<String> running) {
        if (!Files.isDirectory(runsDir)) {
            return List.of();
        }
        var all = new ArrayList<Summary>();
        try (Stream<Path> dirs = Files.list(runsDir)) {
            for (Path dir : dirs.filter(RunIndex::isRun).toList()) {
                all.add(summary(dir, running.test(dir.getFileName().toString())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + runsDir + ": " + e.getMessage(), e);
        }
        all.sort(Comparator.comparing(Summary::createdAt, Comparator.nullsLast(Comparator.reverseOrder())));
        return all;
    }

    /**
     * The newest run of an experiment with this declaration ({@link dev.secateur.spec.ExperimentSpec#key}), if
     * the runs directory has one: what {@code run(spec, resume: true)} resumes or reuses.
     */
    public Optional<Path> latestRunOf(ExperimentSpec spec) {
        var current = latestRunOf(spec.name(), spec.key());
        // a run recorded before the canonical key carries the older one
        var older = latestRunOf(spec.name(), spec.legacyKey());
        if (current.isEmpty() || older.isEmpty()) {
            return current.isPresent() ? current : older;
        }
        return Optional.of(createdAt(current.get()).compareTo(createdAt(older.get())) >= 0 ? current.get() : older.get());
    }

    private static String createdAt(Path dir) {
        return spec(dir).path("createdAt").asText("");
    }

    /** The newest run of an experiment whose spec.json carries this key. */
    public Optional<Path> latestRunOf(String experiment, String specKey) {
        if (!Files.isDirectory(runsDir)) {
            return Optional.empty();
        }
        try (Stream<Path> dirs = Files.list(runsDir)) {
            return dirs.filter(RunIndex::isRun)
                    .filter(d -> {
                        JsonNode spec = spec(d);
                        if (spec.isEmpty() && d.getFileName().toString().matches(Pattern.quote(experiment) + "-\\d{8}-\\d{6}-[0-9a-f]{4}")) {
                            // spec.json is written whole, so this is damage from outside; a new run would silently replace it
                            throw new BadInputException(d.resolve(RunDirectory.SPEC) + " cannot be read, so whether run "
                                    + d.getFileName() + " is the one to resume is unknown; restore the file, or move the "
                                    + "directory out of " + runsDir + " to start the experiment again");
                        }
                        return experiment.equals(spec.path("experiment").asText()) && specKey.equals(spec.path("specKey").asText());
                    })
                    .max(Comparator.comparing(d -> spec(d).path("createdAt").asText("")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + runsDir + ": " + e.getMessage(), e);
        }
    }

    /** A run directory: one with a spec, and not hidden (a run still arriving from a cluster worker is). */
    static boolean isRun(Path dir) {
        return !dir.getFileName().toString().startsWith(".") && Files.isRegularFile(dir.resolve(RunDirectory.SPEC));
    }

    /** The directory of a run, if the id names one directly under the runs directory. */
    public Optional<Path> find(String runId) {
        if (runId == null || !RUN_ID.matcher(runId).matches()) {
            return Optional.empty();
        }
        Path dir = runsDir.resolve(runId);
        return Files.isRegularFile(dir.resolve(RunDirectory.SPEC)) ? Optional.of(dir) : Optional.empty();
    }

    /**
     * A run is RUNNING for as long as a live process runs it: until its last event is written, after its
     * model, marker and report. Otherwise its files say how it ended.
     */
    public static Status status(Path dir, boolean running) {
        if (running || RunLock.holder(dir).filter(RunLock.Holder::alive).isPresent()) {
            return Status.RUNNING;
        }
        return ended(dir);
    }

    /**
     * How a run ended, by its markers alone: what its report says while the process that ran it, still holding its
     * lock, writes its last files.
     */
    public static Status ended(Path dir) {
        if (Files.exists(dir.resolve(RunDirectory.INTERRUPTED))) {
            return Status.INTERRUPTED;
        }
        if (Files.exists(dir.resolve(RunDirectory.CANCELLED))) {
            return Status.CANCELLED;
        }
        if (Files.exists(dir.resolve(RunDirectory.FAILED))) {
            return Status.FAILED;
        }
        if (Files.exists(dir.resolve(RunDirectory.MODEL))) {
            return Status.COMPLETED;
        }
        return Status.INTERRUPTED;
    }

    public static Summary summary(Path dir, boolean running) {
        JsonNode spec = spec(dir);
        var rows = results(dir);
        double sparsity = Double.NaN;
        double accuracy = Double.NaN;
        for (var row : rows) {
            sparsity = number(row.get("sparsity"));
            double a = number(row.get("accuracy"));
            if (!Double.isNaN(a)) {
                accuracy = a;
            }
        }
        var times = timeline(dir);
        return new Summary(dir.getFileName().toString(), spec.path("experiment").asText(null), status(dir, running),
                // a run that prunes nothing (a baseline, a comparison) chose nothing with its saliency
                spec.path("createdAt").asText(null), spec.path("schedule").isObject() ? spec.path("saliency").path("id").asText(null) : null,
                spec.path("schedule").path("id").asText(null), spec.path("granularity").asText(null), rows.size(), sparsity, accuracy,
                times[0], times[1]);
    }

    /**
     * The time of a run's first event and of its last if that one ends the run, from the first line and the
     * last few KiB of events.jsonl, so listing many runs reads little of each.
     */
    static String[] timeline(Path dir) {
        Path events = dir.resolve(RunDirectory.EVENTS);
        String[] times = new String[2];
        try (var file = new RandomAccessFile(events.toFile(), "r")) {
            String first = file.readLine();
            times[0] = first == null ? null : timeOf(first, null);
            long length = file.length();
            int tail = (int) Math.min(length, 16_384);
            byte[] bytes = new byte[tail];
            file.seek(length - tail);
            file.readFully(bytes);
            var lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
            for (int i = lines.length - 1; i >= 0; i--) {
                String line = lines[i];
                if (line.contains("\"event\":\"resumed\"")) {
                    break; // resumed after its last end: it has not ended since
                }
                if (line.contains("\"event\":\"completed\"") || line.contains("\"event\":\"failed\"")
                        || line.contains("\"event\":\"cancelled\"") || line.contains("\"event\":\"interrupted\"")) {
                    times[1] = timeOf(line, null);
                    break;
                }
            }
        } catch (IOException e) {
            // no events yet
        }
        return times;
    }

    private static String timeOf(String line, String otherwise) {
        try {
            return JSON.readTree(line).path("time").asText(otherwise);
        } catch (IOException e) {
            return otherwise;
        }
    }

    /** spec.json, or an empty object while it is being written. */
    public static JsonNode spec(Path dir) {
        try {
            return JSON.readTree(dir.resolve(RunDirectory.SPEC).toFile());
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    /** The rows of results.csv, each by column name; empty cells are absent values. */
    public static List<Map<String, String>> results(Path dir) {
        return Csv.read(dir.resolve(RunDirectory.RESULTS));
    }

    /** A cell of results.csv as a number: NaN for an empty or unreadable one. */
    static double number(String cell) {
        try {
            return cell == null ? Double.NaN : Double.parseDouble(cell);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
