package dev.secateur.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.data.DatasetLoader;
import dev.secateur.errors.BadInputException;
import dev.secateur.model.Loader;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.ModelSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The loader takes an ONNX file by its extension, and refuses one whose input does not fit the data, naming both shapes. */
class ImportedModelLoaderTest {

    private final Loader loader = new Loader(new DatasetLoader(Path.of("/nonexistent")));

    @Test
    void anOnnxFileLoadsAsAGraphWithItsPrunableLayers() {
        var loaded = loader.load(new ModelSpec.Load(OnnxImporterTest.fixture("lenet5.onnx")), DataSpec.of(new DataSpec.Embedded()), 1);
        assertThat(loaded.network().isGraph()).isTrue();
        assertThat(loaded.params()).extracting(p -> p.weights().toString()).containsExactly("0_W", "2_W", "4_W", "5_W", "6_W");
    }

    @Test
    void aModelForOtherImagesIsRefusedNamingItsInputShapeAndTheData() {
        assertThatThrownBy(() -> loader.load(new ModelSpec.Load(OnnxImporterTest.fixture("rgb32.onnx")), DataSpec.of(new DataSpec.Embedded()), 1))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("rgb32.onnx takes inputs of shape [N, 3, 32, 32]")
                .hasMessageContaining("the data's images are [N, 1, 28, 28]");
    }
}
