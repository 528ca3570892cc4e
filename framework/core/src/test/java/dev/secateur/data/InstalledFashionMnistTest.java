package dev.secateur.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.CiAssumptions;
import dev.secateur.spec.DataSpec;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The real Fashion-MNIST from Debian's dataset-fashion-mnist package, which .ci/run installs. Where the
 * package is missing this test is skipped, and says so; in CI ({@code SECATEUR_CI} set) it fails instead.
 */
class InstalledFashionMnistTest {

    @Test
    void theInstalledFilesHoldSixtyThousandTrainingAndTenThousandTestImagesInBalancedClasses() {
        if (!Files.isDirectory(DatasetLoader.INSTALLED_FASHION_MNIST)) {
            CiAssumptions.skipOutsideCi("Fashion-MNIST is not installed; apt-get install dataset-fashion-mnist");
        }
        var loader = new DatasetLoader();
        var source = loader.resolve(new DataSpec.Auto());
        assertThat(source).isInstanceOf(DataSpec.Directory.class);
        var splits = loader.load(DataSpec.of(source), 1L);
        assertThat(splits.train().size()).isEqualTo(60_000);
        assertThat(splits.test().size()).isEqualTo(10_000);
        int[] perClass = new int[10];
        Arrays.stream(splits.train().classes()).forEach(c -> perClass[c]++);
        assertThat(perClass).containsOnly(6_000);
        // the embedded subset is the head of these very files
        var embedded = loader.load(DataSpec.of(new DataSpec.Embedded()), 1L);
        assertThat(Arrays.copyOf(splits.train().classes(), 10_000)).isEqualTo(embedded.train().classes());
    }
}
