package dev.secateur.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The data block's preprocessing: x' = (x·scale − mean[c]) / std[c], refused at once when it cannot be meant. */
class PreprocessingTest {

    @Test
    void theDefaultGivesExactlyTheBitsOfThePixelOver255fThatEveryEarlierRunTrainedOn() {
        for (int v = 0; v < 256; v++) {
            assertThat(Float.floatToIntBits(Preprocessing.DEFAULT.apply(v, 0))).as("pixel %d", v)
                    .isEqualTo(Float.floatToIntBits(v / 255f));
        }
        assertThat(Preprocessing.DEFAULT.isDefault()).isTrue();
        assertThat(Preprocessing.scaled(1.0 / 255).isDefault()).isTrue();
        assertThat(DataSpec.of(new DataSpec.Auto()).preprocessing()).isEqualTo(Preprocessing.DEFAULT);
    }

    @Test
    void aDeclaredScaleMeanAndStdPrepareEachChannelAsPyTorchsNormalizeDoes() {
        var p = Preprocessing.normalized(List.of(0.2860), List.of(0.3530));
        assertThat(p.apply(0, 0)).isEqualTo((float) (-0.2860 / 0.3530));
        assertThat(p.apply(255, 0)).isEqualTo((float) ((1 - 0.2860) / 0.3530));
        var rgb = new Preprocessing(1, List.of(100.0, 0.0, 50.0), List.of(2.0, 1.0, 0.5));
        assertThat(rgb.apply(200, 0)).isEqualTo(50f);
        assertThat(rgb.apply(200, 1)).isEqualTo(200f);
        assertThat(rgb.apply(200, 2)).isEqualTo(300f);
        assertThat(Preprocessing.scaled(1).apply(17, 0)).isEqualTo(17f);
        assertThat(p.isDefault()).isFalse();
    }

    @Test
    void aScaleThatIsNotAPositiveNumberIsRefusedWithWhatItMeans() {
        for (double scale : new double[]{-1, 0, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> Preprocessing.scaled(scale)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("scale = " + scale + " must be a positive number: every pixel value (0 to 255) is multiplied by it "
                            + "first; 1/255, the default, gives [0, 1], and 1 keeps 0 to 255");
        }
    }

    @Test
    void aStdOfZeroOrLessInAnyChannelIsRefusedNamingTheChannel() {
        assertThatThrownBy(() -> Preprocessing.normalized(List.of(0.5), List.of(0.0)))
                .hasMessage("std = [0.0] must be positive in every channel, but channel 0 has 0.0; it is the spread of the scaled "
                        + "pixels, such as 0.353 for Fashion-MNIST at scale 1/255");
        assertThatThrownBy(() -> Preprocessing.normalized(List.of(0.5, 0.5), List.of(0.2, -0.1)))
                .hasMessageStartingWith("std = [0.2, -0.1] must be positive in every channel, but channel 1 has -0.1;");
        assertThatThrownBy(() -> Preprocessing.normalized(List.of(Double.NaN), List.of(0.3)))
                .hasMessage("mean = [NaN] must be finite, but channel 0 has NaN");
    }

    @Test
    void aMeanWithoutAStdOrAStdWithoutAMeanIsRefusedWithTheNeutralValueToGive() {
        assertThatThrownBy(() -> Preprocessing.normalized(List.of(0.485, 0.456, 0.406), List.of()))
                .hasMessage("mean = [0.485, 0.456, 0.406] needs std too: x' = (x·scale − mean) / std, one value of each per channel; "
                        + "give std: [1.0, 1.0, 1.0] to only subtract the mean");
        assertThatThrownBy(() -> Preprocessing.normalized(List.of(), List.of(0.353)))
                .hasMessage("std = [0.353] needs mean too: x' = (x·scale − mean) / std, one value of each per channel; "
                        + "give mean: [0.0] to only divide by the std");
        assertThatThrownBy(() -> Preprocessing.normalized(List.of(0.1, 0.2), List.of(0.3)))
                .hasMessage("mean = [0.1, 0.2] and std = [0.3] must have one value per channel each, but have 2 and 1");
    }

    @Test
    void aMeanAndStdForAnotherNumberOfChannelsThanTheImagesHaveIsRefusedWhenTheDataIsDeclared() {
        var rgb = Preprocessing.normalized(List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225));
        rgb.requireChannels(3, "colour images");
        assertThatThrownBy(() -> DataSpec.of(new DataSpec.Embedded()).with(rgb))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mean = [0.485, 0.456, 0.406] and std = [0.229, 0.224, 0.225] have 3 values, but fashion-mnist images "
                        + "have 1 channel; give one mean and one std per channel");
        // IDX files of any shape may hold colour images; their channels are checked when they are read
        assertThat(DataSpec.of(new DataSpec.Directory(Path.of("idx"), DataSpec.Family.MNIST)).with(rgb).preprocessing()).isEqualTo(rgb);
        assertThatThrownBy(() -> Preprocessing.normalized(List.of(0.5), List.of(0.5)).requireChannels(3, "colour images"))
                .hasMessage("mean = [0.5] and std = [0.5] have 1 value, but colour images have 3 channels; give one mean and one "
                        + "std per channel");
    }
}
