package dev.secateur.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.secateur.spi.Options;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClosestMatchTest {

    private static IllegalArgumentException refusal(String norm) {
        return catchThrowableOfType(IllegalArgumentException.class,
                () -> Options.of(Map.of("norm", norm)).choice("norm", "l1", "l1", "l2", "lamp"));
    }

    @Test
    void aMisspeltChoiceGetsTheNearestOneWhateverItsCase() {
        assertThat(ClosestMatch.message(refusal("lmap")))
                .isEqualTo("option 'norm' = 'lmap' is not one of l1, l2, lamp (did you mean 'lamp'?)");
        assertThat(ClosestMatch.message(refusal("LAMB"))).endsWith("(did you mean 'lamp'?)");
    }

    @Test
    void aValueNearNoChoiceAndAnyOtherRefusalKeepTheirMessage() {
        assertThat(ClosestMatch.message(refusal("euclidean"))).isEqualTo("option 'norm' = 'euclidean' is not one of l1, l2, lamp");
        // two edits from 'l1', but a single letter is not a misspelling of it; 'l3' is as near 'l1' as 'l2'
        assertThat(ClosestMatch.message(refusal("x"))).isEqualTo("option 'norm' = 'x' is not one of l1, l2, lamp");
        assertThat(ClosestMatch.message(refusal("l3"))).isEqualTo("option 'norm' = 'l3' is not one of l1, l2, lamp");
        assertThat(ClosestMatch.message(new IllegalArgumentException("option 'rate' = 'x' is not a number")))
                .isEqualTo("option 'rate' = 'x' is not a number");
    }

    @Test
    void anUnknownOptionNamesTheOptionsAndTheNearest() {
        assertThat(ClosestMatch.unknownOption("saliency 'magnitude'", "nrom", List.of("norm")))
                .isEqualTo("saliency 'magnitude' has no option 'nrom'; its options are norm (did you mean 'norm'?)");
    }
}
