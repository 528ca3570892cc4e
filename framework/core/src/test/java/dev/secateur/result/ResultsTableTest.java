package dev.secateur.result;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResultsTableTest {

    @Test
    void aSignedDifferenceShowsItsSignAndNoneWhenItRoundsToZero() {
        assertThat(ResultsTable.signed(0.7042, 2)).isEqualTo("+0.70");
        assertThat(ResultsTable.signed(-1.408, 2)).isEqualTo("-1.41");
        assertThat(ResultsTable.signed(-1e-9, 2)).as("float noise below the last digit").isEqualTo("+0.00");
        assertThat(ResultsTable.signed(-0.004, 2)).isEqualTo("+0.00");
        assertThat(ResultsTable.signed(-0.4, 0)).isEqualTo("+0");
        assertThat(ResultsTable.signed(Double.NaN, 2)).isEqualTo("-");
    }
}
