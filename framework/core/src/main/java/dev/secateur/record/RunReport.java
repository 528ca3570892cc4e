package dev.secateur.record;

import dev.secateur.files.DurableFiles;
import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.config.Version;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * {@code report.html}: one self-contained page of a run, or a comparison of several, that opens from the
 * file system with no server and no network. It holds the run's data as RunDetail reads it from the
 * directory, the charting library and the dashboard's own drawing code, inlined.
 */
public final class RunReport {

    private static final String WEB = "/dev/secateur/web/";

    private RunReport() {
    }

    /** Writes {@code dir/report.html} for the run in {@code dir}, replacing any earlier one whole. */
    public static Path write(Path dir) {
        return write(dir, RunDetail.of(dir, false));
    }

    /** The same, from the run as RunDetail read it. */
    public static Path write(Path dir, JsonNode detail) {
        return write(dir, detail, dir.resolve(RunDirectory.REPORT));
    }

    /** The report of the run in {@code dir}, written to {@code out}. */
    public static Path write(Path dir, JsonNode detail, Path out) {
        String title = detail.path("spec").path("experiment").asText(dir.getFileName().toString()) + ": Secateur report";
        return save(out, html(title, "run", List.of(detail)));
    }

    /** A comparison of several runs, each read from its directory, in the order given. */
    public static Path compare(List<Path> dirs, Path out) {
        var details = dirs.stream().map(d -> (JsonNode) RunDetail.of(d, false)).toList();
        return save(out, html("Secateur: " + dirs.size() + " runs compared", "compare", details));
    }

    static String html(String title, String mode, List<? extends JsonNode> runs) {
        var data = RunDetail.JSON.createObjectNode();
        data.put("mode", mode);
        data.set("runs", RunDetail.JSON.valueToTree(runs));
        // inside <script> nothing may close it: "<" only ever appears escaped
        String json = data.toString().replace("<", "\\u003c");
        String style = resource("vendor/uplot/uPlot.min.css") + "\n" + resource("app.css");
        String scripts = resource("vendor/uplot/uPlot.iife.min.js") + "\n" + resource("charts.js");
        // the data last, so nothing in it is ever taken for a marker
        return resource("report.html")
                .replace("/*TITLE*/", escape(title))
                .replace("/*WRITTEN*/", Instant.now().toString() + " by Secateur " + escape(Version.get()))
                .replace("/*STYLE*/", style)
                .replace("/*SCRIPTS*/", scripts)
                .replace("/*DATA*/", json);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String resource(String name) {
        try (InputStream in = RunReport.class.getResourceAsStream(WEB + name)) {
            if (in == null) {
                throw new IllegalStateException(WEB + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path save(Path file, String html) {
        // a plain file (the umask's permissions, like the rest of the run), renamed into place whole
        DurableFiles.writeString(file, html);
        return file;
    }
}
