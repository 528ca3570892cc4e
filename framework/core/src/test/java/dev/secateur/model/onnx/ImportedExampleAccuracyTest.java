package dev.secateur.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.data.DatasetLoader;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.spec.DataSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The worked example of docs/onnx.md, scripts/interop/example/fashion-cnn.onnx, trained and measured by PyTorch
 * (fashion-cnn.json holds its test accuracy and every test image's predicted class): imported, it classifies the
 * full Fashion-MNIST test split as PyTorch did, to within 2 images of 10,000.
 */
class ImportedExampleAccuracyTest {

    private static final Path EXAMPLE = Path.of("../../scripts/interop/example");

    @Test
    void theImportedExampleClassifiesTheTestSplitAsPyTorchDid() throws IOException {
        if (!Files.isDirectory(DataSpec.INSTALLED_FASHION_MNIST)) {
            String why = "Fashion-MNIST is not installed; apt-get install dataset-fashion-mnist";
            org.junit.jupiter.api.Assertions.assertNull(System.getenv("SECATEUR_CI"), why + ", and CI must not skip this test");
            Assumptions.abort(why);
        }
        var torch = new ObjectMapper().readTree(EXAMPLE.resolve("fashion-cnn.json").toFile());
        String predictions = torch.get("test_predictions").asText();
        var net = OnnxImporter.load(EXAMPLE.resolve("fashion-cnn.onnx"));
        var test = new DatasetLoader().load(DataSpec.of(new DataSpec.Directory(DataSpec.INSTALLED_FASHION_MNIST, DataSpec.Family.FASHION_MNIST)), 1L).test();
        assertThat(test.size()).isEqualTo(10_000);

        var quality = Evaluator.quality(net, test);
        long correct = Math.round(quality.accuracy() * test.size());
        assertThat(correct).as("test images Secateur classifies correctly; PyTorch: %d", torch.get("test_correct").asLong())
                .isBetween(torch.get("test_correct").asLong() - 2, torch.get("test_correct").asLong() + 2);

        int differ = 0;
        for (int start = 0; start < test.size(); start += 1000) {
            var batch = test.features().get(NDArrayIndex.interval(start, start + 1000), NDArrayIndex.all());
            var classes = net.output(batch).argMax(1).toIntVector();
            for (int i = 0; i < classes.length; i++) {
                if (classes[i] != predictions.charAt(start + i) - '0') {
                    differ++;
                }
            }
        }
        assertThat(differ).as("test images whose predicted class differs from PyTorch's").isLessThanOrEqualTo(2);
    }
}
