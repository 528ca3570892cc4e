package dev.secateur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecateurConfigTest {

    @TempDir
    Path dir;

    @Test
    void defaultsGiveEveryStageATimeout() {
        var config = SecateurConfig.defaults();
        assertThat(config.runsDir()).isEqualTo(Path.of("runs"));
        assertThat(config.timeout(SecateurConfig.FINETUNER)).isEqualTo(Duration.ofHours(48));
    }

    @Test
    void aUserFileOverridesSomeFields() throws IOException {
        var file = Files.writeString(dir.resolve("c.json"), "{\"timeoutSeconds\": {\"scorer\": 5}, \"runsDir\": \"out\"}");
        var config = SecateurConfig.load(file);
        assertThat(config.timeout(SecateurConfig.SCORER)).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.timeout(SecateurConfig.LOADER)).isEqualTo(SecateurConfig.defaults().timeout(SecateurConfig.LOADER));
        assertThat(config.runsDir()).isEqualTo(Path.of("out"));
    }

    @Test
    void unknownKeysAndBadValuesAreNamed() throws IOException {
        var typo = Files.writeString(dir.resolve("typo.json"), "{\"runDir\": \"x\"}");
        assertThatThrownBy(() -> SecateurConfig.load(typo)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("unknown key 'runDir'").hasMessageContaining("runsDir");
        var negative = Files.writeString(dir.resolve("neg.json"), "{\"timeoutSeconds\": {\"scorer\": -1}}");
        assertThatThrownBy(() -> SecateurConfig.load(negative)).hasMessageContaining("timeoutSeconds.scorer = -1");
        var broken = Files.writeString(dir.resolve("broken.json"), "{");
        assertThatThrownBy(() -> SecateurConfig.load(broken)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("broken.json");
    }
}
