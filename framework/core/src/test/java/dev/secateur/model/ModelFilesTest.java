package dev.secateur.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {

    @TempDir
    Path dir;

    @Test
    void savedModelLoadsWithTheSameParameters() {
        var net = Architecture.LENET_300_100.build(1L, 1e-3);
        var file = dir.resolve("m.zip");
        ModelFiles.save(net, file);
        assertThat(ModelFiles.load(file).params()).isEqualTo(net.params());
        assertThat(dir.resolve("m.zip.tmp")).doesNotExist();
    }

    @Test
    void corruptZipIsBadInputNamingTheFile() throws IOException {
        var file = Files.write(dir.resolve("corrupt.zip"), "this is not a zip file at all".getBytes());
        assertThatThrownBy(() -> ModelFiles.load(file))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not a readable zip");
    }

    @Test
    void truncatedModelZipIsBadInput() throws IOException {
        var good = dir.resolve("good.zip");
        ModelFiles.save(Architecture.LENET_300_100.build(1L, 1e-3), good);
        byte[] bytes = Files.readAllBytes(good);
        var truncated = Files.write(dir.resolve("truncated.zip"), Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> ModelFiles.load(truncated))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(truncated.toString());
    }

    @Test
    void zipWithoutAModelSaysWhatIsMissing() throws IOException {
        var file = dir.resolve("other.zip");
        try (var zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("readme.txt"));
            zip.write("hello".getBytes());
        }
        assertThatThrownBy(() -> ModelFiles.load(file))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("not a DL4J model")
                .hasMessageContaining("configuration.json");
    }

    @Test
    void missingFileIsBadInput() {
        assertThatThrownBy(() -> ModelFiles.load(dir.resolve("none.zip")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("does not exist");
    }

    @Test
    void unknownArchitectureListsTheBuiltIns() {
        assertThatThrownBy(() -> Architecture.byId("lenet-400"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("lenet-300-100, lenet-5");
    }

    @Test
    void layoutFindsDenseConvolutionAndOutputWeights() {
        var params = NetworkLayout.prunable(Architecture.LENET_5.build(1L, 1e-3));
        assertThat(params).extracting(p -> p.weights().toString()).containsExactly("0_W", "2_W", "4_W", "5_W");
        assertThat(params.get(1).shape()).containsExactly(50, 20, 5, 5);
        assertThat(params.get(1).units()).isEqualTo(50);
        assertThat(params.get(2).shape()).containsExactly(800, 500);
        assertThat(params.get(2).units()).isEqualTo(500);
    }
}
