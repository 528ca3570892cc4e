package dev.secateur.model.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.secateur.CiAssumptions;
import dev.secateur.model.Network;
import dev.secateur.shrink.OnnxRuntimeRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The two outside judges of an ONNX export: onnxruntime evaluates the model's bytes, and ONNX's own checker
 * (Debian's python3-onnx) checks the file. Public for the end-to-end tests, which judge {@code bin/secateur}'s
 * files the same way.
 */
public final class OnnxRuntimeCheck {

    private OnnxRuntimeCheck() {
    }

    /**
     * The network's input {@code x} (DL4J's: flat rows for an image network) as the exported model takes it:
     * images {@code [N, C, H, W]} where the export's input is an image.
     */
    public static INDArray asOnnxInput(Network net, INDArray x) {
        long[] shape = OnnxWriter.input(net).shape().clone();
        shape[0] = x.size(0);
        return x.dup('c').reshape('c', shape);
    }

    /** Asserts that onnxruntime's output of the exported {@code net} equals DL4J's on {@code x} within {@code tolerance}. */
    public static void assertSameOutputs(Network net, byte[] model, INDArray x, double tolerance) {
        INDArray expected = net.output(x).castTo(DataType.FLOAT);
        INDArray actual = OnnxRuntimeRunner.run(model, asOnnxInput(net, x));
        assertThat(actual.shape()).containsExactly(expected.shape());
        double difference = actual.sub(expected).amaxNumber().doubleValue();
        assertThat(difference).as("max |onnxruntime - DL4J| over %s outputs", expected.length()).isLessThanOrEqualTo(tolerance);
    }

    /**
     * Runs ONNX's checker with full shape inference over {@code file} in Debian's python3; where python3 or its onnx
     * module is missing the test is skipped, except in CI, where it fails.
     */
    public static void assertCheckerAccepts(Path file) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder("/usr/bin/python3", "-c",
                    "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print('ok')",
                    file.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            CiAssumptions.skipOutsideCi("python3 is not installed (" + e.getMessage() + "); apt-get install python3-onnx");
            return;
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the checker finished").isTrue();
        if (out.contains("No module named 'onnx'")) {
            CiAssumptions.skipOutsideCi("python3's onnx module is not installed; apt-get install python3-onnx");
        }
        assertThat(out).as("onnx.checker on " + file).endsWith("ok");
        assertThat(process.exitValue()).isZero();
    }
}
