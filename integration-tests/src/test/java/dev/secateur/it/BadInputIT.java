package dev.secateur.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;

/**
 * Bad input through the real command line: a clear one-paragraph message, no stack trace, exit code 2,
 * and no run directory that looks complete.
 */
class BadInputIT {

    @TempDir
    Path work;

    private Path runs() {
        return work.resolve("runs");
    }

    private Cli.Result run(String scriptName, String text) throws Exception {
        var script = Cli.script(work, scriptName, text);
        return Cli.run(work, "run", script.toString(), "--runs-dir", runs().toString(), "--no-progress");
    }

    private static String experiment(String model, String data, String rest) {
        return """
                run(experiment('bad') {
                    model { %s }
                    data %s
                    %s
                })
                """.formatted(model, data, rest);
    }

    private static final String TRAIN = "train 'lenet-300-100', epochs: 1";
    private static final String SMALL = "fashionMnist(source: 'embedded', train: 200, test: 100)";
    private static final String ONE_SHOT = "schedule 'one-shot', target: 0.5";

    /** Exit 2, one line on stderr naming the problem, and nothing in runs/ that looks like a finished run. */
    private void assertRefused(Cli.Result result, String... mentions) throws IOException {
        assertThat(result.exit()).as("exit code; stderr: " + result.err()).isEqualTo(2);
        assertThat(result.errLines()).as("stderr").hasSize(1);
        String message = result.errLines().get(0);
        assertThat(message).startsWith("secateur: error: ").doesNotContain("Exception").doesNotContain("\tat ");
        for (String mention : mentions) {
            assertThat(message).contains(mention);
        }
        if (Files.exists(runs())) {
            try (Stream<Path> dirs = Files.list(runs())) {
                dirs.forEach(dir -> assertThat(dir.resolve("model-final.zip")).as("half-written run " + dir).doesNotExist());
            }
        }
    }

    @Test
    void corruptModelZip() throws Exception {
        var zip = Files.write(work.resolve("corrupt.zip"), "PK\u0003\u0004 not really a zip".getBytes());
        var result = run("corrupt.groovy", experiment("load '" + zip + "'", SMALL, ONE_SHOT));
        assertRefused(result, zip.toString(), "not a readable zip");
        assertThat(runs()).doesNotExist();
    }

    private static Path onnxFixture(String name) {
        return Cli.ROOT.resolve("framework/core/src/test/resources/dev/secateur/onnx").resolve(name);
    }

    @Test
    void anOnnxModelWithAnOpSecateurCannotMapIsRefusedNamingTheNodeAndTheOp() throws Exception {
        var model = onnxFixture("unsupported-op.onnx");
        var result = run("lrn.groovy", experiment("load '" + model + "'", SMALL, ONE_SHOT));
        assertRefused(result, model.toString(), "node 'weird_lrn' (LRN)", "it maps Conv, Gemm");
        assertThat(runs()).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"truncated.onnx", "not-onnx.onnx"})
    void aTruncatedOrForeignOnnxFileIsRefusedNamingTheFile(String name) throws Exception {
        var model = onnxFixture(name);
        var result = run(name + ".groovy", experiment("load '" + model + "'", SMALL, ONE_SHOT));
        assertRefused(result, model.toString(), "truncated or not ONNX");
        assertThat(runs()).doesNotExist();
    }

    @Test
    void anOnnxModelForOtherImagesIsRefusedNamingBothShapesBeforeAnyRunDirectoryIsWritten() throws Exception {
        var model = onnxFixture("rgb32.onnx");
        var result = run("rgb32.groovy", experiment("load '" + model + "'", SMALL, ONE_SHOT));
        assertRefused(result, "takes inputs of shape [N, 3, 32, 32]", "the data's images are [N, 1, 28, 28]");
        assertThat(runs()).doesNotExist();
    }

    @Test
    void truncatedIdxFile() throws Exception {
        var data = Files.createDirectory(work.resolve("mnist"));
        byte[] truncated = images(100, 5000); // 100 images need 78,400 bytes
        Files.write(data.resolve("train-images-idx3-ubyte"), truncated);
        Files.write(data.resolve("train-labels-idx1-ubyte"), labels(100));
        Files.write(data.resolve("t10k-images-idx3-ubyte"), truncated);
        Files.write(data.resolve("t10k-labels-idx1-ubyte"), labels(100));
        var result = run("truncated.groovy", experiment(TRAIN, "mnist(dir: '" + data + "')", ONE_SHOT));
        assertRefused(result, "train-images-idx3-ubyte", "truncated", "78400 bytes");
        assertThat(runs()).doesNotExist();
    }

    /** An IDX image file whose header promises {@code count} 28×28 images, followed by {@code bodyBytes} zero bytes. */
    private static byte[] images(int count, int bodyBytes) throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new DataOutputStream(bytes);
        out.writeInt(0x803);
        out.writeInt(count);
        out.writeInt(28);
        out.writeInt(28);
        out.write(new byte[bodyBytes]);
        return bytes.toByteArray();
    }

    private static byte[] labels(int count) throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new DataOutputStream(bytes);
        out.writeInt(0x801);
        out.writeInt(count);
        out.write(new byte[count]);
        return bytes.toByteArray();
    }

    @Test
    void reportOfSomethingThatIsNotARun() throws Exception {
        var result = Cli.run(work, "report", work.toString());
        assertRefused(result, work.toString(), "is not a run directory", "spec.json");
    }

    @Test
    void aLingerThatIsNotADuration() throws Exception {
        var script = Cli.script(work, "ok.groovy", experiment(TRAIN, SMALL, ONE_SHOT));
        var result = Cli.run(work, "run", script.toString(), "--linger", "soon");
        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("--linger").contains("'soon' is not a duration; write it as 30s, 2m, 1h or 500ms");
        assertThat(runs()).doesNotExist();
    }

    @Test
    void scriptWithASyntaxError() throws Exception {
        var result = run("syntax.groovy", "run(experiment('bad') {\n    model { train 'lenet-5' \n    schedule 'one-shot', target: 0.5\n");
        assertRefused(result, "syntax.groovy:", "fix the script");
        assertThat(runs()).doesNotExist();
    }

    @Test
    void unknownPluginId() throws Exception {
        var result = run("plugin.groovy", experiment(TRAIN, SMALL, "saliency 'magnitud'\n    " + ONE_SHOT));
        assertRefused(result, "unknown saliency 'magnitud'", "installed: activation, magnitude, obd, obs, oracle, random, sparsegpt, taylor, wanda", "did you mean 'magnitude'?",
                "plugin.groovy:4");
        assertThat(runs()).doesNotExist();
    }

    @Test
    void aSaliencyOptionValueThatIsNotOneOfItsChoices() throws Exception {
        var result = run("norm.groovy", experiment(TRAIN, SMALL, "saliency 'magnitude', norm: 'lmap'\n    " + ONE_SHOT));
        assertRefused(result, "saliency 'magnitude': option 'norm' = 'lmap' is not one of l1, l2, lamp (did you mean 'lamp'?)",
                "norm.groovy:4");
        assertThat(runs()).doesNotExist();
    }

    @Test
    void aCriterionWhoseRequirementTheModelCannotSupply() throws Exception {
        // Taylor needs the loss gradient of each unit's activation, which is not gathered for the output layer
        var result = run("taylor.groovy", experiment(TRAIN, SMALL, "saliency 'taylor'\n    granularity unstructured()\n    " + ONE_SHOT));
        assertRefused(result, "saliency 'taylor' requires ACTIVATION_GRADIENTS for 2_W (output layer)", "Exclude 2_W",
                "taylor.groovy:4");
        assertThat(runs()).doesNotExist();
    }

    @Test
    void anNmTargetThatIsNotOneMinusNOverM() throws Exception {
        var result = run("nm.groovy", experiment(TRAIN, SMALL, "granularity nm(2, 4)\n    scope layerwise()\n    schedule 'one-shot', target: 0.9"));
        assertRefused(result, "2:4 removes exactly 0.5", "target: 0.5", "nm.groovy:4");
        assertThat(runs()).doesNotExist();
    }

    @Test
    void sparsityOutsideTheUnitInterval() throws Exception {
        var result = run("target.groovy", experiment(TRAIN, SMALL, "schedule 'iterative', target: 1.5, steps: 3"));
        assertRefused(result, "target.groovy:4", "sparsity 1.5 is outside [0, 1)");
        assertThat(runs()).doesNotExist();
    }

    @Test
    void aScheduleTargetBesideAPerLayerScopeIsRefusedNotIgnored() throws Exception {
        var result = run("perlayer.groovy", experiment(TRAIN, SMALL,
                "scope perLayer('0_W': 0.9, '1_W': 0.5)\n    schedule 'iterative', target: 0.9, steps: 2"));
        assertRefused(result, "scope perLayer(...) gives each layer its own final target, so schedule 'iterative' takes no target",
                "perlayer.groovy:5");
        assertThat(runs()).doesNotExist();
    }

    @Test
    void aMisspeltScheduleOptionGetsTheClosestName() throws Exception {
        var result = run("step.groovy", experiment(TRAIN, SMALL, "schedule 'iterative', target: 0.9, step: 3"));
        assertRefused(result, "schedule 'iterative' has no option 'step'", "did you mean 'steps'?", "step.groovy:4");
        assertThat(runs()).doesNotExist();
    }

    @Test
    void missingDataDirectory() throws Exception {
        var missing = work.resolve("no-such-data");
        var result = run("nodata.groovy", experiment(TRAIN, "mnist(dir: '" + missing + "')", ONE_SHOT));
        assertRefused(result, "data directory " + missing + " does not exist");
        assertThat(runs()).doesNotExist();
    }

    @Test
    void aFailureAfterTheRunStartedLeavesItMarkedFailed() throws Exception {
        // removing every neuron of a layer is refused when the step is planned, after training started
        var result = run("midrun.groovy", experiment(TRAIN, SMALL,
                "granularity neurons()\n    scope perLayer('1_W': 0.999)\n    schedule 'one-shot'"));
        assertRefused(result, "would remove all 100 units of 1_W");
        try (Stream<Path> dirs = Files.list(runs())) {
            var dir = dirs.findFirst().orElseThrow();
            assertThat(dir.resolve("FAILED")).content().contains("BAD_INPUT").contains("1_W");
            assertThat(dir.resolve("results.csv")).content().contains("\n0,");
            assertThat(Files.readString(dir.resolve("events.jsonl"))).contains("\"event\":\"failed\"");
        }
    }

    @Test
    void aGraphWithAnUnsupportedVertexGetsAPlanThatKeepsItsLayerWholeAndAShrinkThatWorks() throws Exception {
        var conf = new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("input")
                .setInputTypes(InputType.convolutionalFlat(28, 28, 1))
                .addLayer("0", new ConvolutionLayer.Builder(5, 5).nOut(8)
                        .activation(Activation.RELU).build(), "input")
                .addVertex("scale", new ScaleVertex(2.0), "0")
                .addLayer("1", new ConvolutionLayer.Builder(5, 5).nOut(8)
                        .activation(Activation.RELU).build(), "scale")
                .addLayer("2", new GlobalPoolingLayer.Builder().build(), "1")
                .addLayer("3", new OutputLayer.Builder().nOut(10)
                        .activation(Activation.SOFTMAX).build(), "2")
                .setOutputs("3").build();
        var graph = new ComputationGraph(conf);
        graph.init();
        var zip = work.resolve("scaled.zip");
        ModelSerializer.writeModel(graph, zip.toFile(), true);
        var script = Cli.script(work, "scaled.groovy", experiment("load '" + zip + "'", SMALL,
                "granularity filters()\n    scope layerwise()\n    " + ONE_SHOT + "\n    finetune epochs: 0"));

        var plan = Cli.run(work, "plan", script.toString());
        assertThat(plan.exit()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("0_W    layer 0 ConvolutionLayer: vertex scale (ScaleVertex) reads it, and Secateur does not "
                + "know how that vertex maps channels");
        assertThat(plan.out()).contains("1_W    layer 1 ConvolutionLayer, 8 filters; inputs of 3_W  -> remove 50%: keep 4 of 8");

        var result = Cli.run(work, "run", script.toString(), "--runs-dir", runs().toString(), "--no-progress");
        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).contains("0_W kept whole: vertex scale (ScaleVertex) reads it");
    }

    @Test
    void anIdxSplitWithNoExamples() throws Exception {
        var data = Files.createDirectory(work.resolve("empty-test"));
        Files.write(data.resolve("train-images-idx3-ubyte"), images(100, 100 * 28 * 28));
        Files.write(data.resolve("train-labels-idx1-ubyte"), labels(100));
        Files.write(data.resolve("t10k-images-idx3-ubyte"), images(0, 0));
        Files.write(data.resolve("t10k-labels-idx1-ubyte"), labels(0));
        var result = run("empty.groovy", experiment(TRAIN, "mnist(dir: '" + data + "')", ONE_SHOT));
        assertRefused(result, "t10k-images-idx3-ubyte", "holds no images");
        assertThat(runs()).doesNotExist();
    }

    @Test
    void aModelWithNaNWeightsIsRefusedAtLoadNamingTheParameter() throws Exception {
        var conf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(20)
                        .activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder().nIn(20).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .build();
        var net = new MultiLayerNetwork(conf);
        net.init();
        net.getParam("1_W").putScalar(3, 7, Double.NaN); // what a diverged training run leaves
        var zip = work.resolve("diverged.zip");
        ModelSerializer.writeModel(net, zip.toFile(), true);
        var result = run("nan.groovy", experiment("load '" + zip + "'", SMALL, ONE_SHOT));
        assertRefused(result, zip.toString(), "1 NaN", "parameter 1_W");
        assertThat(runs()).doesNotExist();
    }

    @Test
    void aBaselineWhoseTrainingDivergesIsRefusedNamingTheLearningRate() throws Exception {
        var result = run("diverges.groovy", experiment("train 'lenet-300-100', epochs: 1, lr: 1e12", SMALL, ONE_SHOT));
        assertThat(result.exit()).as(result.err()).isEqualTo(2);
        assertThat(result.errLines()).singleElement().asString().contains("training diverged").contains("learning rate 1.0E12")
                .doesNotContain("saliency");
    }
}
