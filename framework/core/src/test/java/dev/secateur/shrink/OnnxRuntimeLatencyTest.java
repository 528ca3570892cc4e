package dev.secateur.shrink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The onnxruntime latency report's shape (never its figures: timings on a shared machine are no test), and life without the jar. */
class OnnxRuntimeLatencyTest {

    @Test
    void bothModelsAreTimedAtBatch1And256WithPositiveMediansAndACut() {
        byte[] dense = OnnxTestModels.mlp(1L, 784, 300, 10);
        byte[] pruned = OnnxTestModels.mlp(1L, 784, 30, 10);

        var report = OnnxRuntimeLatency.measure(dense, pruned, new long[]{784}, OnnxRuntimeLatency.BATCHES, 1);

        assertThat(report.version()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(report.provider()).startsWith("CPUExecutionProvider");
        assertThat(report.threads()).isEqualTo(1);
        assertThat(report.rounds()).isEqualTo(1);
        assertThat(report.timings()).extracting(OnnxRuntimeLatency.Timing::batch).containsExactly(1, 256);
        assertThat(report.timings()).allSatisfy(t -> {
            assertThat(t.denseMs()).isPositive();
            assertThat(t.prunedMs()).isPositive();
            assertThat(t.cut()).isPositive().isFinite();
            assertThat(t.passes()).isBetween(5, 500);
        });
        assertThat(report.lines()).hasSize(3);
        assertThat(report.lines().get(2)).startsWith("onnxruntime latency at batch 256: ").contains("medians of 1 alternating rounds");
    }

    @Test
    void imagesAreFedInTheShapeGivenForOneExample() {
        byte[] model = OnnxTestModels.cnn(2L, 2);
        var report = OnnxRuntimeLatency.measure(model, model, new long[]{1, 28, 28}, List.of(3), 1);
        assertThat(report.timings()).singleElement().satisfies(t -> assertThat(t.batch()).isEqualTo(3));
    }

    @Test
    void alternatingTimesBothEveryRoundTheOrderSwappedAndReturnsTheMedians() {
        var calls = new ArrayList<String>();
        double[] firstTimes = {5, 1, 3};
        double[] secondTimes = {10, 30, 20};
        int[] n = {0, 0};
        double[] medians = SideBySide.alternating(() -> {
            calls.add("first");
            return firstTimes[n[0]++];
        }, () -> {
            calls.add("second");
            return secondTimes[n[1]++];
        }, 3);
        assertThat(calls).containsExactly("first", "second", "second", "first", "first", "second");
        assertThat(medians).containsExactly(3, 20);
    }

    @Test
    void theCoreLoadsWithoutOnnxRuntimeAndSaysSoWhenAskedToTime() throws Exception {
        // the test's own class path, less the onnxruntime jar, in a loader that does not ask the test's loader
        String path = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        var urls = new ArrayList<URL>();
        for (String entry : path.split(File.pathSeparator)) {
            if (!entry.isEmpty() && !Path.of(entry).getFileName().toString().startsWith("onnxruntime")) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        try (var loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            assertThat(loader.getResource("ai/onnxruntime/OrtEnvironment.class")).as("onnxruntime left out").isNull();
            var latency = Class.forName(OnnxRuntimeLatency.class.getName(), true, loader);
            assertThat(latency.getMethod("available").invoke(null)).isEqualTo(false);
            var measure = latency.getMethod("measure", byte[].class, byte[].class, long[].class);
            assertThatThrownBy(() -> measure.invoke(null, new byte[0], new byte[0], new long[]{784}))
                    .isInstanceOf(InvocationTargetException.class)
                    .cause().isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("onnxruntime is not on the class path; add com.microsoft.onnxruntime:onnxruntime");
        }
        assertThat(OnnxRuntimeLatency.available()).as("with the jar").isTrue();
        assertThat(Arrays.stream(path.split(File.pathSeparator))).anyMatch(e -> e.contains("onnxruntime"));
    }
}
