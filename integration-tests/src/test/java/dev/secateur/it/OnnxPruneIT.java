package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.data.DatasetLoader;
import dev.secateur.evaluate.Evaluator;
import dev.secateur.model.ModelFiles;
import dev.secateur.model.onnx.OnnxRuntimeCheck;
import dev.secateur.shrink.OnnxRuntimeRunner;
import dev.secateur.spec.DataSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Prune the model you already have, through bin/secateur: a ResNet and a MobileNet exported by PyTorch are
 * imported from ONNX, lose half the filters of their groups physically, and go back out as ONNX. The exported
 * file computes in onnxruntime what the run's model computes, and classifies the run's test split as the run
 * measured it; at least 40% of the FLOPs are gone.
 */
class OnnxPruneIT {

    @TempDir
    Path work;

    @ParameterizedTest
    @ValueSource(strings = {"resnet.onnx", "mobilenet.onnx"})
    void aTorchModelImportedPrunedAndExportedRunsInOnnxruntimeAsTheRunMeasuredIt(String fixture) throws Exception {
        var model = Cli.ROOT.resolve("framework/core/src/test/resources/dev/secateur/onnx").resolve(fixture);
        var runs = work.resolve("runs");
        var script = Path.of("src/test/resources/scripts/onnx-prune.groovy").toAbsolutePath();
        var result = Cli.run(work, "run", script.toString(), model.toString(), "--runs-dir", runs.toString(), "--no-progress");
        assertThat(result.exit()).as(result.err()).isZero();
        Path dir;
        try (Stream<Path> dirs = Files.list(runs)) {
            dir = dirs.findFirst().orElseThrow();
        }
        assertThat(dir.resolve("spec.json")).content().contains(fixture);
        List<String[]> rows = Files.readAllLines(dir.resolve("results.csv")).stream().skip(1).map(l -> l.split(",")).toList();
        var dense = rows.get(0);
        var last = rows.get(rows.size() - 1);
        // columns: params 5, flops 7
        assertThat(Long.parseLong(last[5])).isLessThan(Long.parseLong(dense[5]));
        double flopsCut = 1 - Double.parseDouble(last[7]) / Double.parseDouble(dense[7]);
        assertThat(flopsCut).as("FLOPs removed physically").isGreaterThanOrEqualTo(0.40);
        assertThat(result.out()).contains("onnxruntime latency cut at batch 256:");

        var onnx = Files.readAllBytes(dir.resolve("export/model.onnx"));
        var pruned = ModelFiles.load(dir.resolve("model-final.zip"));
        var test = new DatasetLoader().load(DataSpec.of(new DataSpec.Embedded()), 3L).test();
        OnnxRuntimeCheck.assertSameOutputs(pruned, onnx, test.features(), 1e-4);
        OnnxRuntimeCheck.assertCheckerAccepts(dir.resolve("export/model.onnx"));
        double deployed = Evaluator.quality(x -> OnnxRuntimeRunner.run(onnx, OnnxRuntimeCheck.asOnnxInput(pruned, x)), test).accuracy();
        assertThat(deployed).as("onnxruntime's accuracy of the exported file").isEqualTo(Double.parseDouble(last[3]), Offset.offset(1e-6));
    }
}
