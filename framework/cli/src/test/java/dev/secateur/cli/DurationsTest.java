package dev.secateur.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationsTest {

    private final Durations durations = new Durations();

    @Test
    void theFormsPeopleType() {
        assertThat(durations.convert("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(durations.convert("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(durations.convert("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(durations.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(durations.convert("45")).as("plain seconds").isEqualTo(Duration.ofSeconds(45));
        assertThat(durations.convert("1.5m")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.describe(Duration.ofMinutes(2))).isEqualTo("2 min");
        assertThat(Durations.describe(Duration.ofSeconds(30))).isEqualTo("30 s");
    }

    @Test
    void anythingElseSaysHowToWriteIt() {
        assertThatThrownBy(() -> durations.convert("soon")).isInstanceOf(TypeConversionException.class).hasMessageContaining("30s, 2m");
        assertThatThrownBy(() -> durations.convert("-5s")).isInstanceOf(TypeConversionException.class);
    }
}
