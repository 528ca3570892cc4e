package dev.secateur.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** report.html and what it is made of, read from a run directory written as the recorder writes one. */
class RunReportTest {

    @TempDir
    Path runs;

    private Path run(String id, String experiment) throws IOException {
        var dir = Files.createDirectories(runs.resolve(id));
        Files.writeString(dir.resolve(RunDirectory.SPEC), """
                {"experiment": %s, "seed": 7, "saliency": {"id": "magnitude"}, "schedule": {"id": "one-shot"},
                 "granularity": "unstructured", "runtime": {"secateur": "0.1", "java": "17", "nd4jBackend": "linux-x86_64"}}
                """.formatted(RunDetail.JSON.writeValueAsString(experiment)));
        Files.writeString(dir.resolve(RunDirectory.RESULTS), ResultsCsv.HEADER + "\n"
                + "0,0.000000,0.000000,0.861000,0.3979,266610,266609,532810,532809,0.3,10000,256,2.1,,,,,\n"
                + "1,0.900000,0.900000,0.859000,0.3960,266610,27030,532810,53650,0.3,11000,256,2.0,magnitude,,,,\n");
        Files.writeString(dir.resolve(RunDirectory.EVENTS), String.join("\n",
                "{\"event\":\"started\",\"time\":\"2026-01-01T00:00:00Z\"}",
                "{\"event\":\"progress\",\"time\":\"2026-01-01T00:00:01Z\",\"phase\":\"BASELINE\",\"step\":0,\"epoch\":1,\"examplesDone\":1000}",
                "{\"event\":\"progress\",\"time\":\"2026-01-01T00:00:01.5Z\",\"phase\":\"BASELINE\",\"step\":0,\"epoch\":1,\"examplesDone\":6000}",
                "{\"event\":\"progress\",\"time\":\"2026-01-01T00:00:02Z\",\"phase\":\"BASELINE\",\"step\":0,\"epoch\":2,\"examplesDone\":100}",
                "{\"event\":\"step-completed\",\"time\":\"2026-01-01T00:00:03Z\",\"result\":{\"step\":0,\"layerSparsity\":{\"0_W\":0.0}}}",
                "{\"event\":\"step-completed\",\"time\":\"2026-01-01T00:00:04Z\",\"result\":{\"step\":1,\"layerSparsity\":{\"0_W\":0.9}}}",
                "{\"event\":\"completed\",\"time\":\"2026-01-01T00:00:05Z\"}",
                "{\"event\":\"complet") + "\n");
        Files.writeString(dir.resolve(RunDirectory.MODEL), "zip");
        return dir;
    }

    @Test
    void theDetailIsWhatTheDirectoryHolds() throws IOException {
        var detail = RunDetail.of(run("r1", "one"), false);
        assertThat(detail.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(detail.path("results")).hasSize(2);
        assertThat(detail.path("results").get(1).path("accuracy").asText()).isEqualTo("0.859000");
        assertThat(detail.path("steps")).hasSize(2);
        assertThat(detail.path("seconds").asDouble()).isEqualTo(5.0);
        // 5,000 examples in 0.5 s within one epoch; a new epoch starts a new count, and a half-written line is skipped
        assertThat(detail.path("throughput")).hasSize(1);
        assertThat(detail.path("throughput").get(0).path("examplesPerS").asDouble()).isEqualTo(10_000.0);
        assertThat(detail.path("files").findValuesAsText("path")).contains("spec.json", "results.csv", "events.jsonl");
    }

    @Test
    void theReportIsOneFileThatNeedsNothingElseAndCannotBeBrokenOutOfByAName() throws IOException {
        var dir = run("r2", "</script><script>alert('x')</script>");
        Path report = RunReport.write(dir);
        String html = Files.readString(report);
        assertThat(report).isEqualTo(dir.resolve("report.html"));
        assertThat(html).doesNotContainPattern("(src|href)=\"(https?:)?//").doesNotContain("<script src");
        assertThat(html).contains("uPlot").contains("SecateurCharts");
        assertThat(html).doesNotContain("<script>alert");
        assertThat(html).contains("\\u003c/script>\\u003cscript>alert");
        assertThat(html.indexOf("</script>")).as("the data block closes only where it should")
                .isGreaterThan(html.indexOf("id=\"report-data\""));
    }

    @Test
    void aComparisonHoldsEveryRunInTheOrderGiven() throws IOException {
        var out = runs.resolve("cmp/compare.html");
        RunReport.compare(List.of(run("a", "first"), run("b", "second")), out);
        String html = Files.readString(out);
        assertThat(html).contains("\"mode\":\"compare\"");
        assertThat(html.indexOf("\"experiment\":\"first\"")).isLessThan(html.indexOf("\"experiment\":\"second\""));
    }

    @Test
    void thePlotsAreWrittenNextToTheReport() throws IOException {
        var dir = run("r3", "plotted");
        RunPlots.write(dir, RunDetail.of(dir, false));
        assertThat(dir.resolve(RunPlots.ACCURACY)).isNotEmptyFile();
        assertThat(dir.resolve(RunPlots.LAYERS)).isNotEmptyFile();
    }
}
