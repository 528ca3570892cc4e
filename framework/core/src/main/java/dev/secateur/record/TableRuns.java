package dev.secateur.record;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.config.Machine;
import dev.secateur.errors.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The run directories a table is made of: found from what a user typed (runs, directories of runs, globs) and
 * read for what a table shows (the name, seed and time, the commit, machine and ND4J build from spec.json, and
 * the rows of results.csv).
 */
final class TableRuns {

    private TableRuns() {
    }

    /** One run directory, read. */
    record Run(Path dir, String experiment, long seed, String createdAt, String commit, String machine, String settings,
               String backend, String script, RunIndex.Status status, List<Map<String, String>> rows) {

        /** The same run with other rows: those of a file that a table keeps. */
        Run withRows(List<Map<String, String>> kept) {
            return new Run(dir, experiment, seed, createdAt, commit, machine, settings, backend, script, status, kept);
        }

        double dense() {
            return rows.isEmpty() ? Double.NaN : RunTable.number(rows.get(0), "accuracy");
        }
    }

    /** Reads one run directory: spec.json and results.csv. */
    static Run read(Path dir) {
        return read(dir, RunDirectory.RESULTS);
    }

    /** Reads one run directory: spec.json and the named CSV file in it, such as rank-correlation.csv. */
    static Run read(Path dir, String file) {
        JsonNode spec = RunIndex.spec(dir);
        if (spec == null || spec.isMissingNode() || spec.isNull() || !spec.has("experiment")) {
            throw new BadInputException(dir + " is not a run directory (its " + RunDirectory.SPEC + " is missing or unreadable); "
                    + "give directories under runs/, such as runs/quickstart-20261129-201812-9068, or a quoted glob such as 'runs/han-*'");
        }
        var rows = Csv.read(dir.resolve(file));
        JsonNode runtime = spec.path("runtime");
        String commit = runtime.path("commit").asText("");
        JsonNode machine = runtime.path("machine");
        String machineText = machineText(machine);
        String settingsText = settingsText(machine);
        String started = commit.isBlank() || commit.equals("unknown") ? "unrecorded" : commit;
        // a resume by other code or on another machine goes on with the run: the stamp names both
        var resumedBy = new LinkedHashSet<String>();
        var resumedOn = new LinkedHashSet<String>();
        var resumedScripts = new LinkedHashSet<String>();
        String scriptSha = spec.path("script").path("sha256").asText("");
        for (JsonNode resume : spec.path("resumes")) {
            String by = resume.path("commit").asText("");
            by = by.isBlank() || by.equals("unknown") ? "unrecorded" : by;
            if (!by.equals(started)) {
                resumedBy.add(by);
            }
            // the machine as a stamp names it, settings included: a thread count moves the figures as a CPU does
            JsonNode other = resume.path("machine");
            if (other.isObject() && !(machineText(other).equals(machineText) && settingsText(other).equals(settingsText))) {
                String settings = settingsText(other);
                resumedOn.add(machineText(other) + (settings.isEmpty() ? "" : " with " + settings));
            }
            String sha = resume.path("scriptSha256").asText("");
            if (sha.length() >= 12 && !sha.equals(scriptSha)) {
                resumedScripts.add(sha.substring(0, 12));
            }
        }
        return new Run(dir, spec.path("experiment").asText(), spec.path("seed").asLong(), spec.path("createdAt").asText(""),
                started + (resumedBy.isEmpty() ? "" : " (resumed by " + String.join(", ", resumedBy) + ")"),
                machineText + (resumedOn.isEmpty() ? "" : " (resumed on " + String.join(", ", resumedOn) + ")"), settingsText,
                runtime.path("nd4jBackend").asText("unrecorded"),
                script(spec.path("script")) + (resumedScripts.isEmpty() ? "" : " (resumed from an edited script, SHA-256 "
                        + String.join(", ", resumedScripts) + ")"), RunIndex.status(dir, false), rows);
    }

    /** A machine as a stamp names it: CPU model, cores and widest vector instruction set. */
    private static String machineText(JsonNode machine) {
        if (!machine.isObject()) {
            return "an unrecorded machine";
        }
        var isa = new ArrayList<String>();
        machine.path("isa").forEach(f -> isa.add(f.asText()));
        return machine.path("cpu").asText("unknown CPU") + ", " + machine.path("cores").asInt() + " cores, " + Machine.widest(isa);
    }

    /** The settings that move figures, as the run recorded them: {@code OMP_NUM_THREADS=1 DNNL_MAX_CPU_ISA=AVX2}. */
    private static String settingsText(JsonNode machine) {
        var settings = new ArrayList<String>();
        machine.path("settings").fields().forEachRemaining(e -> settings.add(e.getKey() + "=" + e.getValue().asText()));
        return String.join(" ", settings);
    }

    /** The script a run came from, by file name and the start of its SHA-256; empty for a run started from code. */
    private static String script(JsonNode script) {
        if (!script.has("file")) {
            return "";
        }
        String name = Path.of(script.path("file").asText()).getFileName().toString();
        String sha = script.path("sha256").asText("");
        return name + (sha.length() >= 12 ? " (SHA-256 " + sha.substring(0, 12) + ")" : " (no SHA-256 kept)");
    }

    /** Run directories from what a user typed: a run, a directory of runs, or a glob in the last part. */
    static List<Path> expand(List<String> paths) {
        if (paths.isEmpty()) {
            throw new BadInputException("give run directories, such as runs/quickstart-20261129-201812-9068, or a quoted glob such as 'runs/han-*'");
        }
        var dirs = new LinkedHashSet<Path>();
        for (String text : paths) {
            Path path = Path.of(text).toAbsolutePath().normalize();
            String last = path.getFileName() == null ? "" : path.getFileName().toString();
            if (last.chars().anyMatch(ch -> "*?[{".indexOf(ch) >= 0)) {
                Path parent = path.getParent() == null ? Path.of(".") : path.getParent();
                var matched = new ArrayList<Path>();
                try (DirectoryStream<Path> stream = Files.newDirectoryStream(parent, last)) {
                    stream.forEach(p -> {
                        if (RunIndex.isRun(p)) {
                            matched.add(p);
                        }
                    });
                } catch (IOException e) {
                    throw new BadInputException(text + ": cannot list " + parent + " (" + e.getMessage() + ")");
                }
                if (matched.isEmpty()) {
                    throw new BadInputException(text + " matches no run directory; list them with bin/secateur runs");
                }
                matched.sort(null);
                dirs.addAll(matched);
            } else if (RunIndex.isRun(path)) {
                dirs.add(path);
            } else if (Files.isDirectory(path)) {
                try (Stream<Path> children = Files.list(path)) {
                    var inside = children.filter(p -> RunIndex.isRun(p)).sorted().toList();
                    if (inside.isEmpty()) {
                        throw new BadInputException(text + " is neither a run directory nor a directory of runs (nothing in it has "
                                + RunDirectory.SPEC + ")");
                    }
                    dirs.addAll(inside);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + path + ": " + e.getMessage(), e);
                }
            } else {
                throw new BadInputException(text + " does not exist; give run directories, such as runs/quickstart-20261129-201812-9068, "
                        + "or a quoted glob such as 'runs/han-*'");
            }
        }
        return List.copyOf(dirs);
    }
}
