package dev.secateur.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.config.Machine;
import dev.secateur.config.Version;
import dev.secateur.errors.BadInputException;
import dev.secateur.files.DurableFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What a resume must not change silently: the data a run read and the plugin files it scored and scheduled
 * with. A run whose first steps saw one dataset and whose later steps see another measures nothing, so a
 * resume compares the digests spec.json recorded with those of the run as it would start now, and refuses
 * a difference unless it is accepted, when spec.json records it.
 */
final class ResumeCheck {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One thing that differs, with its digest (and where it came from) as recorded and as now.
     *
     * @param nowSha256 the digest now alone: what a later resume compares against once this change is accepted
     */
    record Change(String what, String recorded, String now, String nowSha256) {

        String describe() {
            return what + ": spec.json has " + recorded + ", now " + now;
        }
    }

    private ResumeCheck() {
    }

    /** The run's spec.json, or a clear error: a run without a whole spec.json cannot be resumed safely. */
    static ObjectNode recorded(Path runDir) {
        var file = runDir.resolve(RunDirectory.SPEC);
        try {
            var node = JSON.readTree(file.toFile());
            if (node instanceof ObjectNode object) {
                return object;
            }
            throw new BadInputException(file + " is not a JSON object, so run " + runDir.getFileName() + " cannot be resumed; "
                    + "start the experiment again as a new run");
        } catch (IOException e) {
            throw new BadInputException("cannot read " + file + " (" + e.getMessage() + "), so run " + runDir.getFileName()
                    + " cannot be resumed; start the experiment again as a new run");
        }
    }

    static List<Change> changes(JsonNode recorded, Map<String, Object> now) {
        JsonNode current = JSON.valueToTree(now);
        var changes = new ArrayList<Change>();
        var data = recorded.path("data");
        var dataNow = current.path("data");
        String expectedData = accepted(recorded, "data", data.path("sha256").asText(""));
        if (!expectedData.equals(dataNow.path("sha256").asText(""))) {
            changes.add(new Change("data", described(data, "source", expectedData), digest(dataNow, "source"),
                    dataNow.path("sha256").asText("")));
        }
        var plugins = new TreeSet<String>();
        recorded.path("plugins").fieldNames().forEachRemaining(plugins::add);
        current.path("plugins").fieldNames().forEachRemaining(plugins::add);
        for (String plugin : plugins) {
            var was = recorded.path("plugins").path(plugin);
            var is = current.path("plugins").path(plugin);
            String expected = accepted(recorded, "plugin " + plugin, was.path("sha256").asText(""));
            if (!expected.equals(is.path("sha256").asText(""))) {
                changes.add(new Change("plugin " + plugin, described(was, "file", expected), digest(is, "file"),
                        is.path("sha256").asText("")));
            }
        }
        return changes;
    }

    /** The digest a resume expects: the last accepted change's, or the one spec.json recorded when the run started. */
    private static String accepted(JsonNode recorded, String what, String started) {
        String expected = started;
        for (var entry : recorded.path("acceptedChanges")) {
            for (var change : entry.path("changes")) {
                if (what.equals(change.path("what").asText()) && change.has("nowSha256")) {
                    expected = change.path("nowSha256").asText();
                }
            }
        }
        return expected;
    }

    /** The recorded digest as a message names it: the one the run started with, or the one a resume accepted since. */
    private static String described(JsonNode started, String origin, String expected) {
        return expected.equals(started.path("sha256").asText("")) ? digest(started, origin)
                : "sha256 " + expected + " (accepted at an earlier resume)";
    }

    private static String digest(JsonNode node, String origin) {
        if (node.isMissingNode() || node.path("sha256").asText("").isEmpty()) {
            return "none";
        }
        return "sha256 " + node.path("sha256").asText() + " (" + node.path(origin).asText() + ")";
    }

    /** Refuses the resume, naming each change and both digests, unless the caller accepted them. */
    static void refuseUnlessAccepted(Path runDir, List<Change> changes, boolean accepted) {
        if (changes.isEmpty() || accepted) {
            return;
        }
        var text = new StringBuilder("run " + runDir.getFileName() + " cannot resume: what it reads changed since it started, "
                + "and its earlier steps would not be comparable with the rest:");
        changes.forEach(change -> text.append("\n  ").append(change.describe()));
        text.append("\nput the recorded files back, or resume with --accept-changes (resume: true, acceptChanges: true in a "
                + "script) to go on anyway; spec.json then records what changed");
        throw new BadInputException(text.toString());
    }

    /**
     * spec.json with this resume appended under {@code resumes} (when, after which step, and the commit, machine and
     * script digest that go on with the run, which may differ from those it started with), and the accepted changes under
     * {@code acceptedChanges}, rewritten whole.
     */
    static void record(Path runDir, ObjectNode spec, List<Change> changes, int afterStep, String scriptSha256) {
        String at = Instant.now().toString();
        var resumes = spec.has("resumes") && spec.get("resumes") instanceof ArrayNode array ? array : spec.putArray("resumes");
        var resume = resumes.addObject();
        resume.put("at", at);
        resume.put("resumedAfterStep", afterStep);
        resume.put("commit", Version.commit());
        resume.set("machine", RunDirectory.JSON.valueToTree(Machine.current().json()));
        if (scriptSha256 != null) {
            resume.put("scriptSha256", scriptSha256); // the script that goes on with the run, edited or not
        }
        if (!changes.isEmpty()) {
            var accepted = spec.has("acceptedChanges") && spec.get("acceptedChanges") instanceof ArrayNode array ? array
                    : spec.putArray("acceptedChanges");
            var entry = accepted.addObject();
            entry.put("at", at);
            entry.put("resumedAfterStep", afterStep);
            var list = entry.putArray("changes");
            changes.forEach(change -> list.addObject().put("what", change.what()).put("recorded", change.recorded()).put("now", change.now())
                    .put("nowSha256", change.nowSha256()));
        }
        try {
            DurableFiles.writeString(runDir.resolve(RunDirectory.SPEC), RunDirectory.JSON.writeValueAsString(spec));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + runDir.resolve(RunDirectory.SPEC) + ": " + e.getMessage(), e);
        }
    }
}
