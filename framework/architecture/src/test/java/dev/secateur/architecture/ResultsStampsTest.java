package dev.secateur.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.record.TableStamps;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every table of figures on a results page, and in the README, says where its figures came from: made by
 * {@code bin/secateur table} with its stamp, or kept from before it under a stamp naming the commit that
 * recorded it. {@code bin/secateur table --check docs/results README.md} runs the same check.
 */
class ResultsStampsTest {

    private static final Path ROOT = Path.of("../..").toAbsolutePath().normalize();

    @Test
    void everyResultsTableIsStamped() {
        var tables = TableStamps.check(List.of(ROOT.resolve("docs/results"), ROOT.resolve("README.md")));
        assertThat(tables).as("the results pages' tables were found").hasSizeGreaterThan(10);
        assertThat(tables).filteredOn(t -> !t.stamped()).extracting(TableStamps.Table::describe)
                .as("tables without a stamp; make them with bin/secateur table RUNS --markdown").isEmpty();
    }
}
