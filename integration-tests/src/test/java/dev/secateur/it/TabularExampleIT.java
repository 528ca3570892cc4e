package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.CiAssumptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worked example of data.md as a user runs it: scikit-learn's breast cancer table and digits written by
 * scripts/tools/sklearn_data.py, then pruned by scripts/tabular.groovy (one seed here) against its controls.
 */
class TabularExampleIT {

    private static final Path CONVERTER = Cli.ROOT.resolve("scripts/tools/sklearn_data.py");
    private static final Path SCRIPT = Cli.ROOT.resolve("scripts/tabular.groovy");
    private static final Pattern MEAN = Pattern.compile(
            "mean of 1 seed\\(s\\): dense ([0-9.]+)%, pruned ([0-9.]+)%, control ([0-9.]+)%, pruned - control ([-+0-9.]+) points");

    @TempDir
    Path work;

    @Test
    void theConverterWritesRealDataThatTheScriptPrunesToEightyPercentAgainstItsControls() throws Exception {
        var data = work.resolve("sklearn");
        String digests = convert(data);
        var result = Cli.run(work, "run", SCRIPT.toString(), data.toString(), "1", "--runs-dir", "runs", "--no-progress");
        assertThat(result.exit()).as(result.err()).isZero();

        var means = MEAN.matcher(result.out()).results().toList();
        assertThat(means).as(result.out()).hasSize(2);
        for (var mean : means) {
            assertThat(Double.parseDouble(mean.group(1))).as("dense accuracy, %").isGreaterThan(90);
            assertThat(Double.parseDouble(mean.group(2))).as("pruned accuracy, %").isGreaterThan(90);
            assertThat(Double.parseDouble(mean.group(3))).as("control accuracy, %").isGreaterThan(90);
        }
        var json = new ObjectMapper();
        try (Stream<Path> runs = Files.list(work.resolve("runs"))) {
            var dirs = runs.sorted().toList();
            assertThat(dirs).extracting(d -> d.getFileName().toString().replaceAll("-\\d{8}-\\d{6}-[0-9a-f]+$", ""))
                    .containsExactlyInAnyOrder("breast-cancer-mlp-80-seed-1", "digits-lenet5-80-seed-1");
            for (Path dir : dirs) {
                var spec = json.readTree(dir.resolve("spec.json").toFile());
                var rows = Files.readAllLines(dir.resolve("results.csv"));
                List<String> header = List.of(rows.get(0).split(","));
                String[] last = rows.get(rows.size() - 1).split(",", -1);
                assertThat(Double.parseDouble(last[header.indexOf("sparsity")])).isCloseTo(0.8, within(0.002));
                // the digests the converter printed are the ones the run recorded
                for (var file : spec.path("data").path("files")) {
                    assertThat(digests).contains(file.path("sha256").asText());
                }
                boolean table = dir.getFileName().toString().startsWith("breast");
                assertThat(spec.path("data").path("shape").toString()).isEqualTo(table ? "[30]" : "[1,8,8]");
                assertThat(spec.path("data").path("classNames").toString()).isEqualTo(table ? "[\"malignant\",\"benign\"]" : "");
            }
        }
    }

    /** Runs the converter with the system's Python (Debian's python3-sklearn); skipped without it, except in CI. */
    private static String convert(Path out) throws Exception {
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        var process = new ProcessBuilder(python, CONVERTER.toString(), "--out", out.toString()).redirectErrorStream(true).start();
        String printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        if (printed.contains("No module named 'sklearn'") || printed.contains("No module named 'numpy'")) {
            CiAssumptions.skipOutsideCi("scikit-learn is not installed; apt-get install python3-sklearn");
        }
        assertThat(process.exitValue()).as(printed).isZero();
        return printed;
    }
}
