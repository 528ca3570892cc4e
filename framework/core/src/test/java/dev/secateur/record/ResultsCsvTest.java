package dev.secateur.record;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.result.StepResult;
import java.io.IOException;
import java.io.StringReader;
import java.util.TreeMap;
import org.apache.commons.csv.CSVFormat;
import org.junit.jupiter.api.Test;

class ResultsCsvTest {

    @Test
    void headerIsExactlyTheDocumentedOne() {
        assertThat(ResultsCsv.HEADER).isEqualTo("step,target_sparsity,sparsity,accuracy,loss,params,nonzero_params,"
                + "flops,effective_flops,latency_ms,finetune_examples_per_s,large_batch,large_batch_latency_ms,saliency,"
                + "control_accuracy,accuracy_vs_control,perplexity,control_perplexity");
    }

    @Test
    void unmeasuredValuesAreEmptyCells() {
        var row = ResultsCsv.row(new StepResult(2, 0.5, 0.5, Double.NaN, Double.NaN, 10, 5, 100, 50, Double.NaN,
                1234.56, new TreeMap<>(), 0, Double.NaN), "magnitude");
        assertThat(row).isEqualTo("2,0.500000,0.500000,,,10,5,100,50,,1234.6,,,magnitude,,,,");
        assertThat(row.split(",", -1)).hasSize(ResultsCsv.HEADER.split(",").length);
    }

    @Test
    void aValueWithACommaOrAQuoteIsQuotedSoTheColumnsStayInPlace() throws IOException {
        var row = ResultsCsv.row(new StepResult(1, 0.5, 0.5, 0.9, 0.3, 10, 5, 100, 50, 1.0, 10.0, new TreeMap<>(), 0, Double.NaN),
                "odd,\"id\"");
        assertThat(row).endsWith(",\"odd,\"\"id\"\"\",,,,");
        var parsed = CSVFormat.DEFAULT.parse(new StringReader(ResultsCsv.HEADER + "\n" + row + "\n"))
                .getRecords();
        assertThat(parsed.get(1).size()).isEqualTo(parsed.get(0).size());
        assertThat(parsed.get(1).get(13)).isEqualTo("odd,\"id\"");
    }

    @Test
    void aLanguageModelsRowEndsWithItsPerplexity() {
        var row = ResultsCsv.row(new StepResult(1, 0.5, 0.5, 0.41, 1.8, 10, 5, 100, 50, 1.0, 10.0, new TreeMap<>(), 0, Double.NaN,
                Double.NaN, Double.NaN, Math.exp(1.8)), "wanda");
        assertThat(row).endsWith(",wanda,,,6.0496,");
    }

    @Test
    void aLanguageModelWithAControlEndsWithTheControlsPerplexity() {
        var row = ResultsCsv.row(new StepResult(1, 0.5, 0.5, 0.41, 1.8, 10, 5, 100, 50, 1.0, 10.0, new TreeMap<>(), 0, Double.NaN,
                Double.NaN, Double.NaN, Math.exp(1.8)).withControl(0.42, Math.exp(1.7)), "wanda");
        assertThat(row).endsWith(",wanda,0.420000,-0.010000,6.0496,5.4739");
    }

    @Test
    void aControlledRowEndsWithTheControlsAccuracyAndTheDifferenceAsFractions() {
        var row = ResultsCsv.row(new StepResult(1, 0.95, 0.95, 0.8851, 0.3, 10, 5, 100, 50, 1.0, 10.0, new TreeMap<>(), 0, Double.NaN)
                .withControl(0.8900), "magnitude");
        assertThat(row).endsWith(",magnitude,0.890000,-0.004900,,");
    }
}
