package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.model.ModelFiles;
import dev.secateur.model.onnx.OnnxRuntimeCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import onnx.Onnx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A structured run of resnet-small with {@code export onnx: true} through bin/secateur, its ONNX file judged by
 * onnxruntime against the run's own model-final.zip, and {@code bin/secateur export RUN --onnx} writing the same.
 */
class OnnxExportIT {

    @TempDir
    Path work;

    @Test
    void aStructuredRunExportsItsSmallerNetworkAsOnnxThatOnnxruntimeRunsAsSecateurDoes() throws Exception {
        var runs = work.resolve("runs");
        var script = Path.of("src/test/resources/scripts/onnx-export.groovy").toAbsolutePath();
        var result = Cli.run(work, "run", script.toString(), "--runs-dir", runs.toString(), "--no-progress");
        assertThat(result.exit()).as(result.err()).isZero();
        Path dir;
        try (Stream<Path> dirs = Files.list(runs)) {
            dir = dirs.findFirst().orElseThrow();
        }
        Path onnx = dir.resolve("export/model.onnx");
        assertThat(onnx).isNotEmptyFile();
        assertThat(dir.resolve("model-final.zip")).isNotEmptyFile();
        assertThat(dir.resolve("spec.json")).content().containsPattern("\"export\" : \\{\\s*\"onnx\" : true");

        // the smaller network: fewer parameters in the file than resnet-small's 38,890
        byte[] bytes = Files.readAllBytes(onnx);
        long parameters = Onnx.ModelProto.parseFrom(bytes).getGraph().getInitializerList().stream()
                .mapToLong(t -> t.getDimsList().stream().reduce(1L, (a, b) -> a * b)).sum();
        var model = ModelFiles.load(dir.resolve("model-final.zip"));
        assertThat(parameters).isEqualTo(model.numParams()).isLessThan(38_890);
        assertThat(result.out()).contains("RESULT params=" + model.numParams() + " dense=38890");

        Nd4j.getRandom().setSeed(3);
        OnnxRuntimeCheck.assertSameOutputs(model, bytes, Nd4j.rand(DataType.FLOAT, 32, 784), 1e-4);
        OnnxRuntimeCheck.assertCheckerAccepts(onnx);

        // the command writes the same file from the finished run
        var exported = Cli.run(work, "export", dir.toString(), "--onnx", "--out", work.resolve("exported").toString());
        assertThat(exported.exit()).as(exported.err()).isZero();
        assertThat(exported.out()).contains("ONNX model: " + work.resolve("exported/model.onnx")
                + " (opset 13, input 'input' [N, 1, 28, 28], output 'output' [N, 10])")
                .contains(String.format(Locale.ROOT, "parameters %,d; file %,d bytes", model.numParams(), bytes.length));
        assertThat(Files.readAllBytes(work.resolve("exported/model.onnx"))).isEqualTo(bytes);
    }
}
