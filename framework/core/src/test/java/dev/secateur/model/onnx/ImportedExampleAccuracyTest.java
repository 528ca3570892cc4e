package dev.secateur.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.CiAssumptions;
import dev.secateur.data.Dataset;
import dev.secateur.data.DatasetLoader;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.spec.DataSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The models of docs/onnx.md, trained and measured by PyTorch (scripts/interop/example/*.json hold each one's test
 * accuracy and every test image's predicted class): imported, each classifies the full Fashion-MNIST test split as
 * PyTorch did, to within 2 images of 10,000.
 */
class ImportedExampleAccuracyTest {

    private static final Path EXAMPLE = Path.of("../../scripts/interop/example");

    private static Dataset test;

    @BeforeAll
    static void loadTheTestSplit() {
        if (!Files.isDirectory(DataSpec.INSTALLED_FASHION_MNIST)) {
            CiAssumptions.skipOutsideCi("Fashion-MNIST is not installed; apt-get install dataset-fashion-mnist");
        }
        // the test split is read whole; the training split is only sampled
        test = new DatasetLoader().load(new DataSpec(new DataSpec.Directory(DataSpec.INSTALLED_FASHION_MNIST, DataSpec.Family.FASHION_MNIST),
                1, 0), 1L).test();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fashion-cnn", "fashion-resnet", "fashion-mobilenet"})
    void anImportedModelClassifiesTheTestSplitAsPyTorchDid(String model) throws IOException {
        var torch = new ObjectMapper().readTree(EXAMPLE.resolve(model + ".json").toFile());
        String predictions = torch.get("test_predictions").asText();
        var net = OnnxImporter.load(EXAMPLE.resolve(model + ".onnx"));
        assertThat(test.size()).isEqualTo(10_000);

        // one pass over the split gives both checks: the count Secateur classifies correctly, and where it differs from PyTorch
        int[] labels = test.labels().argMax(1).toIntVector();
        long correct = 0;
        int differ = 0;
        // in the evaluator's batches: at 1,000 images the MobileNet's layer outputs of 200 MB took eight times as long
        int size = Evaluator.evaluationBatch(net, test);
        for (int start = 0; start < test.size(); start += size) {
            var batch = test.features().get(NDArrayIndex.interval(start, Math.min(start + size, test.size())), NDArrayIndex.all());
            var classes = net.output(batch).argMax(1).toIntVector();
            for (int i = 0; i < classes.length; i++) {
                correct += classes[i] == labels[start + i] ? 1 : 0;
                if (classes[i] != predictions.charAt(start + i) - '0') {
                    differ++;
                }
            }
        }
        assertThat(correct).as("test images Secateur classifies correctly; PyTorch: %d", torch.get("test_correct").asLong())
                .isBetween(torch.get("test_correct").asLong() - 2, torch.get("test_correct").asLong() + 2);
        assertThat(differ).as("test images whose predicted class differs from PyTorch's").isLessThanOrEqualTo(2);
    }
}
