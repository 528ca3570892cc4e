package dev.secateur.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tables made from hand-written run directories, checked against means and spreads worked out by hand. */
class RunTableTest {

    @TempDir
    Path runs;

    private static final String HEADER = "step,target_sparsity,sparsity,accuracy,loss,params,nonzero_params,flops,effective_flops,latency_ms,"
            + "finetune_examples_per_s,large_batch,large_batch_latency_ms,saliency,control_accuracy,accuracy_vs_control\n";

    /** A run: dense accuracy at step 0, then one pruned step with its accuracy and control. */
    private Path run(String id, String experiment, long seed, String created, double dense, double accuracy, double control) throws IOException {
        Path dir = Files.createDirectories(runs.resolve(id));
        Files.writeString(dir.resolve(RunDirectory.SPEC), String.format(Locale.ROOT, """
                {"runId": "%s", "experiment": "%s", "createdAt": "%s", "seed": %d,
                 "script": {"file": "/home/me/scripts/han.groovy", "args": [],
                            "sha256": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
                 "runtime": {"secateur": "0.1", "commit": "abc1234", "nd4jBackend": "linux-x86_64-avx2",
                             "machine": {"cpu": "Test CPU", "isa": ["avx512f", "avx2"], "cores": 2, "settings": {}}}}
                """, id, experiment, created, seed));
        Files.writeString(dir.resolve(RunDirectory.RESULTS), HEADER
                + String.format(Locale.ROOT, "0,0,0,%f,0.3,1000,1000,2000,2000,0.1,100,256,1.0,magnitude,%f,0%n", dense, dense)
                + String.format(Locale.ROOT, "1,0.9,0.9,%f,0.4,1000,100,2000,200,0.1,100,256,1.0,magnitude,%f,%f%n", accuracy, control,
                accuracy - control));
        Files.writeString(dir.resolve(RunDirectory.MODEL), "a completed run's model");
        return dir;
    }

    @Test
    void seedsOfOneRecipeShareARowWithTheirMeanAndSampleStandardDeviation() throws IOException {
        run("han-90-seed-1-a", "han-90-seed-1", 1, "2026-12-06T10:00:00Z", 0.89, 0.90, 0.88);
        run("han-90-seed-2-a", "han-90-seed-2", 2, "2026-12-06T10:01:00Z", 0.89, 0.91, 0.92);
        run("han-90-seed-3-a", "han-90-seed-3", 3, "2026-12-06T10:02:00Z", 0.89, 0.95, 0.90);
        var table = RunTable.of(List.of(runs.resolve("han-*").toString()),
                List.of("accuracy", "control_accuracy", "accuracy_vs_control", "vs_dense", "vs_stronger", "compression"),
                RunTable.Step.parse("final"), RunTable.Spread.SD);
        var cells = table.cells();
        assertThat(cells).hasSize(2);
        assertThat(cells.get(0)).containsExactly("experiment", "seeds", "accuracy", "control accuracy", "vs control (points)",
                "vs dense (points)", "vs stronger of dense and control (points)", "compression");
        // accuracy 0.90, 0.91, 0.95: mean 0.92, squares 4e-4 + 1e-4 + 9e-4 over n - 1 = 2, sd sqrt(7e-4) = 0.026458
        // control 0.88, 0.92, 0.90: mean 0.90, sd sqrt((4e-4 + 4e-4 + 0) / 2) = 0.02
        // vs control +0.02, -0.01, +0.05: mean +0.02, sd sqrt((0 + 9e-4 + 9e-4) / 2) = 0.03
        // vs dense (0.89) +0.01, +0.02, +0.06: mean +0.03, sd sqrt((4e-4 + 1e-4 + 9e-4) / 2) = 0.026458
        // vs the stronger of dense and control: 0.90 - 0.89, 0.91 - 0.92, 0.95 - 0.90 = +0.01, -0.01, +0.05:
        //   mean +0.016667, sd sqrt((0.0000444 + 0.0006778 + 0.0011111) / 2) = 0.030551
        assertThat(cells.get(1)).containsExactly("han-90", "3 (1, 2, 3)", "92.00% ± 2.65", "90.00% ± 2.00", "+2.00 ± 3.00",
                "+3.00 ± 2.65", "+1.67 ± 3.06", "10.0×");
    }

    @Test
    void theRangeInsteadOfTheStandardDeviation() throws IOException {
        run("a-s1", "a-seed-1", 1, "2026-12-06T10:00:00Z", 0.89, 0.90, 0.88);
        run("a-s2", "a-seed-2", 2, "2026-12-06T10:01:00Z", 0.89, 0.95, 0.92);
        var cells = RunTable.of(List.of(runs.toString()), List.of("accuracy"), RunTable.Step.parse("final"), RunTable.Spread.RANGE).cells();
        assertThat(cells.get(1)).containsExactly("a", "2 (1, 2)", "92.50% (90.00% to 95.00%)");
    }

    @Test
    void aRunRepeatedWithTheSameSeedCountsOnceItsLatest() throws IOException {
        run("b-old", "b", 1, "2026-12-06T09:00:00Z", 0.89, 0.50, 0.88);
        run("b-new", "b", 1, "2026-12-06T11:00:00Z", 0.89, 0.90, 0.88);
        var table = RunTable.of(List.of(runs.toString()), List.of("accuracy"), RunTable.Step.parse("final"), RunTable.Spread.SD);
        assertThat(table.runCount()).isEqualTo(1);
        assertThat(table.cells().get(1)).containsExactly("b", "1 (1)", "90.00%");
    }

    @Test
    void onlyCompletedRunsCountUnlessAskedAndACellOverFewerRunsSaysHowMany() throws IOException {
        run("f-s1", "f-seed-1", 1, "2026-12-06T10:00:00Z", 0.89, 0.90, 0.88);
        run("f-s2", "f-seed-2", 2, "2026-12-06T10:01:00Z", 0.89, 0.92, 0.88);
        // a later run of seed 2 that was cancelled after its dense step: it must not stand for seed 2
        Path cancelled = run("f-s2-again", "f-seed-2", 2, "2026-12-06T12:00:00Z", 0.89, 0.10, 0.88);
        Files.delete(cancelled.resolve(RunDirectory.MODEL));
        Files.writeString(cancelled.resolve(RunDirectory.CANCELLED), "cancelled");
        var table = RunTable.of(List.of(runs.toString()), List.of("accuracy"), RunTable.Step.parse("final"), RunTable.Spread.SD);
        assertThat(table.cells().get(1)).containsExactly("f", "2 (1, 2)", "91.00% ± 1.41");
        assertThat(table.stamp("x")).contains("from 2 runs (the latest of each experiment and seed; 1 that did not complete left out)");
        var all = RunTable.of(List.of(runs.toString()), List.of("accuracy"), RunTable.Step.parse("final"), RunTable.Spread.SD, false, true);
        assertThat(all.cells().get(1)).containsExactly("f", "2 (1, 2)", "50.00% ± 56.57");
        // step 1 exists in every run, step 5 in none, and a missing cell (no control at step 1 of one run) is counted
        Files.writeString(runs.resolve("f-s1").resolve(RunDirectory.RESULTS), HEADER
                + "0,0,0,0.89,0.3,1000,1000,2000,2000,0.1,100,256,1.0,magnitude,0.89,0\n"
                + "1,0.9,0.9,0.90,0.4,1000,100,2000,200,0.1,100,256,1.0,magnitude,,\n");
        var partial = RunTable.of(List.of(runs.toString()), List.of("control_accuracy"), RunTable.Step.parse("1"), RunTable.Spread.SD);
        assertThat(partial.cells().get(1)).containsExactly("f", "2 (1, 2)", "88.00% (n=1)");
        assertThatThrownBy(() -> RunTable.of(List.of(cancelled.toString()), List.of(), RunTable.Step.parse("final"), RunTable.Spread.SD))
                .isInstanceOf(BadInputException.class).hasMessageContaining("none of the 1 run directories given completed")
                .hasMessageContaining("--include-unfinished");
    }

    @Test
    void eachRunItsOwnRowWhenAskedNamedByItsDirectory() throws IOException {
        run("b-old", "b", 1, "2026-12-06T09:00:00Z", 0.89, 0.50, 0.88);
        run("b-new", "b", 1, "2026-12-06T11:00:00Z", 0.89, 0.90, 0.88);
        var table = RunTable.of(List.of(runs.toString()), List.of("accuracy"), RunTable.Step.parse("final"), RunTable.Spread.SD, true);
        assertThat(table.runCount()).isEqualTo(2);
        assertThat(table.cells()).extracting(row -> row.get(0) + " " + row.get(2)).containsExactly("experiment accuracy",
                "b-old 50.00%", "b-new 90.00%");
        assertThat(table.stamp("x")).contains("from 2 runs (a row each)");
    }

    @Test
    void everyStepOrOneStep() throws IOException {
        run("c-s1", "c-seed-1", 1, "2026-12-06T10:00:00Z", 0.80, 0.90, 0.88);
        run("c-s2", "c-seed-2", 2, "2026-12-06T10:01:00Z", 0.90, 0.92, 0.92);
        var all = RunTable.of(List.of(runs.toString()), List.of("sparsity", "accuracy", "nonzero_params"), RunTable.Step.parse("all"),
                RunTable.Spread.SD).cells();
        assertThat(all).hasSize(3);
        assertThat(all.get(0)).containsExactly("experiment", "seeds", "step", "sparsity", "accuracy", "nonzero params");
        // dense 0.80 and 0.90: mean 0.85, sd sqrt((0.0025 + 0.0025) / 1) = 0.070711
        assertThat(all.get(1)).containsExactly("c", "2 (1, 2)", "0", "0.00%", "85.00% ± 7.07", "1,000");
        assertThat(all.get(2)).containsExactly("c", "2 (1, 2)", "1", "90.00%", "91.00% ± 1.41", "100");
        var dense = RunTable.of(List.of(runs.toString()), List.of("accuracy"), RunTable.Step.parse("0"), RunTable.Spread.SD).cells();
        assertThat(dense.get(1)).containsExactly("c", "2 (1, 2)", "85.00% ± 7.07");
    }

    @Test
    void markdownCarriesTheStampOfTheRunsAndTheCommand() throws IOException {
        run("d-s1", "d-seed-1", 1, "2026-12-05T10:00:00Z", 0.89, 0.90, 0.88);
        run("d-s2", "d-seed-2", 2, "2026-12-06T10:01:00Z", 0.89, 0.91, 0.92);
        String markdown = RunTable.of(List.of(runs.toString()), List.of(), RunTable.Step.parse("final"), RunTable.Spread.SD)
                .markdown("'runs/d-*' --markdown");
        assertThat(markdown).startsWith("| experiment | seeds | sparsity | accuracy | control accuracy |");
        assertThat(markdown).contains("\n|---|---:|");
        assertThat(markdown).contains(RunTable.STAMP_START + " 'runs/d-*' --markdown` on ")
                .contains("from 2 runs").contains("made 2026-12-05 to 2026-12-06 by commit abc1234")
                .contains("Test CPU, 2 cores, AVX-512").contains("ND4J linux-x86_64-avx2; script han.groovy (SHA-256 0123456789ab); ± is the sample standard deviation");
        // and the stamp check accepts what the table writes
        Path page = runs.resolve("page.md");
        Files.writeString(page, "# Results\n\n" + markdown);
        assertThat(TableStamps.page(page)).singleElement().satisfies(t -> {
            assertThat(t.stamped()).as(t.describe()).isTrue();
            assertThat(t.kind()).isEqualTo(TableStamps.Kind.GENERATED);
        });
    }

    @Test
    void badInputNamesWhatToGive() throws IOException {
        run("e-s1", "e", 1, "2026-12-06T10:00:00Z", 0.89, 0.90, 0.88);
        assertThatThrownBy(() -> RunTable.of(List.of(runs.toString()), List.of("acuracy"), RunTable.Step.parse("final"), RunTable.Spread.SD))
                .isInstanceOf(BadInputException.class).hasMessageContaining("no column 'acuracy'").hasMessageContaining("accuracy");
        assertThatThrownBy(() -> RunTable.Step.parse("last-but-one")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("--step 'last-but-one'");
        assertThatThrownBy(() -> RunTable.of(List.of(runs.resolve("nothing-*").toString()), List.of(), RunTable.Step.parse("final"),
                RunTable.Spread.SD)).isInstanceOf(BadInputException.class).hasMessageContaining("matches no run directory");
        assertThatThrownBy(() -> RunTable.of(List.of(runs.resolve("missing").toString()), List.of(), RunTable.Step.parse("final"),
                RunTable.Spread.SD)).isInstanceOf(BadInputException.class).hasMessageContaining("does not exist");
    }

    @Test
    void anotherFileOfEachRunGroupedByItsKeyColumnsWithTheMeanAndSpreadAtTheFilesPrecision() throws IOException {
        // three seeds of one comparison: Spearman's rho of taylor on layer 0_W is 0.80, 0.90, 0.70, of random -0.10, -0.20, 0.00
        double[][] rho = {{0.80, -0.10}, {0.90, -0.20}, {0.70, 0.00}};
        for (int seed = 1; seed <= 3; seed++) {
            Path dir = run("cmp-seed-" + seed + "-a", "cmp-seed-" + seed, seed, "2026-12-06T10:0" + seed + ":00Z", 0.89, 0.90, 0.88);
            Files.writeString(dir.resolve(ComparisonFiles.CSV), ComparisonFiles.HEADER + "\n"
                    + String.format(Locale.ROOT, "taylor,oracle,0_W,20,%.4f,0.6000%n", rho[seed - 1][0])
                    + String.format(Locale.ROOT, "random,oracle,0_W,20,%.4f,0.0000%n", rho[seed - 1][1]));
        }
        // a run without the file is left out, and the stamp says so
        run("dense-a", "dense", 1, "2026-12-06T09:00:00Z", 0.89, 0.89, 0.89);
        var table = RunTable.ofFile(List.of(runs.toString()), ComparisonFiles.CSV, List.of("criterion", "layer"),
                List.of("reference", "points", "spearman", "kendall"), RunTable.Spread.SD, false, false);
        var cells = table.cells();
        assertThat(cells.get(0)).containsExactly("experiment", "seeds", "criterion", "layer", "reference", "points", "spearman", "kendall");
        // taylor: mean 0.80, sd sqrt((0 + 0.01 + 0.01) / 2) = 0.1; random: mean -0.10, sd sqrt((0 + 0.01 + 0.01) / 2) = 0.1,
        // negative with a minus sign as on the pages
        assertThat(cells.get(1)).containsExactly("cmp", "3 (1, 2, 3)", "taylor", "0_W", "oracle", "20", "0.8000 ± 0.1000", "0.6000");
        assertThat(cells.get(2)).containsExactly("cmp", "3 (1, 2, 3)", "random", "0_W", "oracle", "20", "−0.1000 ± 0.1000", "0.0000");
        assertThat(cells).hasSize(3);
        assertThat(table.markdown("cmp")).contains("|---|---:|---|---|").contains("1 without rank-correlation.csv left out")
                .doesNotContain("percentage points");
    }

    @Test
    void anotherFileRefusesWhatItCannotRead() throws IOException {
        Path dir = run("r-s1", "r", 1, "2026-12-06T10:00:00Z", 0.89, 0.90, 0.88);
        assertThatThrownBy(() -> RunTable.ofFile(List.of(runs.toString()), "../secrets.csv", List.of(), List.of(), RunTable.Spread.SD, false, false))
                .isInstanceOf(BadInputException.class).hasMessageContaining("--file '../secrets.csv'");
        assertThatThrownBy(() -> RunTable.ofFile(List.of(runs.toString()), ComparisonFiles.CSV, List.of(), List.of(), RunTable.Spread.SD, false, false))
                .isInstanceOf(BadInputException.class).hasMessageContaining("has a rank-correlation.csv");
        Files.writeString(dir.resolve(SensitivityFiles.RATIOS), "layer,ratio,units,units_kept\n0_W,0.50,20,10\n");
        assertThatThrownBy(() -> RunTable.ofFile(List.of(runs.toString()), SensitivityFiles.RATIOS, List.of("layr"), List.of(),
                RunTable.Spread.SD, false, false)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("--by: sensitivity-ratios.csv has no column 'layr'").hasMessageContaining("layer, ratio");
        assertThat(RunTable.ofFile(List.of(runs.toString()), SensitivityFiles.RATIOS, List.of("layer"), List.of(), RunTable.Spread.SD, false,
                false).cells().get(1)).containsExactly("r", "1 (1)", "0_W", "0.50", "20", "10");
        // only the lines asked for
        Files.writeString(dir.resolve(RemovalFiles.CSV), RemovalFiles.HEADER + "\nparams,0,,1000,500,0.5000\nlatency_ms,1,,0.2000,0.1500,0.2500\n"
                + "latency_ms,256,,40.0000,30.0000,0.2500\nlayer_ms,256,0 DenseLayer,3.0000,2.0000,0.3333\n");
        var latency = RunTable.ofFile(List.of(runs.toString()), RemovalFiles.CSV, List.of("measure", "batch"),
                Map.of("measure", Set.of("latency_ms")), List.of("masked", "shrunk", "cut"), RunTable.Spread.SD, false, false).cells();
        assertThat(latency).hasSize(3);
        assertThat(latency.get(2)).containsExactly("r", "1 (1)", "latency_ms", "256", "40.0000", "30.0000", "0.2500");
        // two lines with one key would fold into one row: refused, naming the columns that would tell them apart
        assertThatThrownBy(() -> RunTable.ofFile(List.of(runs.toString()), RemovalFiles.CSV, List.of("measure"), List.of(), RunTable.Spread.SD,
                false, false)).isInstanceOf(BadInputException.class).hasMessageContaining("has more than one line for [measure] = [latency_ms]")
                .hasMessageContaining("--by");
        assertThatThrownBy(() -> RunTable.ofFile(List.of(runs.toString()), RemovalFiles.CSV, List.of(), Map.of("mesure", Set.of("x")), List.of(),
                RunTable.Spread.SD, false, false)).isInstanceOf(BadInputException.class).hasMessageContaining("--where: removal.csv has no column 'mesure'");
    }

    @Test
    void aLanguageModelsPerplexityItsDenseModelsAndTheRiseAveragedOverSeeds() throws IOException {
        for (int seed = 1; seed <= 2; seed++) {
            Path dir = run("lm-s" + seed, "lm", seed, "2026-12-06T10:00:0" + seed + "Z", 0.40, 0.38, Double.NaN);
            Files.writeString(dir.resolve(RunDirectory.RESULTS), HEADER.strip() + ",perplexity\n"
                    + "0,0,0,0.40,2.0,1000,1000,2000,2000,0.2,,,,,,,7.3891\n"
                    + "1,0.5,0.5,0.38,2.1,1000,500,2000,1000,0.2,,,,sparsegpt,,," + (seed == 1 ? "8.0" : "9.0") + "\n");
        }
        var cells = RunTable.of(List.of(runs.resolve("lm-*").toString()), List.of("perplexity", "dense_perplexity", "perplexity_rise"),
                RunTable.Step.parse("final"), RunTable.Spread.RANGE).cells();
        // 8.0 and 9.0: mean 8.5, against the dense 7.3891: a rise of 0.6109 and 1.6109, mean 1.111
        assertThat(cells.get(1).get(2)).startsWith("8.500");
        assertThat(cells.get(1).get(3)).startsWith("7.389");
        assertThat(cells.get(1).get(4)).startsWith("1.111");
    }

    @Test
    void latencyCutsAgainstTheSameRunsDenseModelAndAgainstItsFlopsCut() throws IOException {
        Path dir = run("shrunk-s1", "shrunk", 1, "2026-12-06T10:00:00Z", 0.89, 0.90, 0.88);
        // dense: 0.2 ms at batch 1, 40 ms at 256, 2,000 FLOPs; shrunk: 0.15 ms, 30 ms, 1,000 FLOPs
        Files.writeString(dir.resolve(RunDirectory.RESULTS), HEADER
                + "0,0,0,0.89,0.3,1000,1000,2000,2000,0.2,,256,40.0,l1,,\n"
                + "1,0.5,0.5,0.90,0.3,500,500,1000,1000,0.15,100,256,30.0,l1,,\n");
        var cells = RunTable.of(List.of(dir.toString()), List.of("flops_cut", "latency_cut", "large_batch_latency_cut", "latency_cut_per_flops_cut"),
                RunTable.Step.parse("final"), RunTable.Spread.SD).cells();
        // 1 - 0.15/0.2 = 25%; 1 - 30/40 = 25%; FLOPs cut 1 - 1000/2000 = 50%, so the clock sees 0.25/0.5 = 0.50 of it
        assertThat(cells.get(1)).containsExactly("shrunk", "1 (1)", "50.00%", "25.00%", "25.00%", "0.50");
    }

    @Test
    void aRunResumedByOtherCodeOrOnAnotherMachineIsStampedWithBoth() throws IOException {
        Path dir = run("resumed-s1", "resumed", 1, "2026-12-06T10:00:00Z", 0.89, 0.90, 0.88);
        String spec = Files.readString(dir.resolve(RunDirectory.SPEC));
        Files.writeString(dir.resolve(RunDirectory.SPEC), spec.replaceFirst("\\{", """
                {"resumes": [{"at": "2026-12-06T11:00:00Z", "resumedAfterStep": 0, "commit": "abc1234",
                              "machine": {"cpu": "Test CPU", "isa": ["avx512f", "avx2"], "cores": 2, "settings": {}}},
                             {"at": "2026-12-06T12:00:00Z", "resumedAfterStep": 0, "commit": "def5678", "scriptSha256": "fedcba9876543210",
                              "machine": {"cpu": "Test CPU", "isa": ["avx512f"], "cores": 2, "settings": {"OMP_NUM_THREADS": "2"}}}],
                """));
        String stamp = RunTable.of(List.of(dir.toString()), List.of("accuracy"), RunTable.Step.parse("final"), RunTable.Spread.SD).stamp("x");
        assertThat(stamp).contains("by commit abc1234 (resumed by def5678)").contains("AVX-512 (resumed on Test CPU, 2 cores, AVX-512 with OMP_NUM_THREADS=2)")
                .contains("script han.groovy (SHA-256 0123456789ab) (resumed from an edited script, SHA-256 fedcba987654)");
    }

    @Test
    void anotherFilesNumbersKeepTheirPrecisionAZeroMeanHasNoSignAndAWrongWhereNamesTheValuesHeld() throws IOException {
        String[][] lines = {{"0.0100", "10", "1.5e-05"}, {"-0.0100", "11", "2.5e-05"}};
        for (int seed = 1; seed <= 2; seed++) {
            Path dir = run("p-seed-" + seed + "-a", "p-seed-" + seed, seed, "2026-12-06T10:0" + seed + ":00Z", 0.89, 0.90, 0.88);
            String[] l = lines[seed - 1];
            Files.writeString(dir.resolve("figures.csv"), "measure,rho,kept,tiny\nm," + l[0] + "," + l[1] + "," + l[2] + "\n");
        }
        var cells = RunTable.ofFile(List.of(runs.toString()), "figures.csv", List.of("measure"), List.of("rho", "kept", "tiny"),
                RunTable.Spread.SD, false, false).cells();
        // 0.01 and -0.01 cancel; 10 and 11 are whole numbers whose mean is not; 1.5e-05 and 2.5e-05 need 6 decimals
        assertThat(cells.get(1)).containsExactly("p", "2 (1, 2)", "m", "0.0000 ± 0.0141", "10.5 ± 0.7", "0.000020 ± 0.000007");
        assertThatThrownBy(() -> RunTable.ofFile(List.of(runs.toString()), "figures.csv", List.of("measure"), Map.of("measure", Set.of("x")),
                List.of(), RunTable.Spread.SD, false, false)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("no line of figures.csv matches --where").hasMessageContaining("measure holds m");
    }

    @Test
    void theSeedIsTakenOutOfTheName() {
        assertThat(RunTable.label("han-90-seed-3")).isEqualTo("han-90");
        assertThat(RunTable.label("seed-7-resnet-flops50")).isEqualTo("resnet-flops50");
        assertThat(RunTable.label("lenet_seed12_98")).isEqualTo("lenet_98");
        assertThat(RunTable.label("seedless")).isEqualTo("seedless");
        assertThat(RunTable.label("quickstart")).isEqualTo("quickstart");
    }
}
