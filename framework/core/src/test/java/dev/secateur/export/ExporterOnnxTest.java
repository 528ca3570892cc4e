package dev.secateur.export;

import static dev.secateur.model.onnx.OnnxRuntimeCheck.assertSameOutputs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.Architecture;
import dev.secateur.model.ModelFiles;
import dev.secateur.model.Network;
import dev.secateur.record.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** {@code bin/secateur export RUN --format onnx}: model-final.zip, dead units removed, as export/model.onnx. */
class ExporterOnnxTest {

    @TempDir
    Path run;

    @Test
    void aRunsModelIsWrittenAsOnnxWithDeadNeuronsRemovedAndTheSameOutputs() throws Exception {
        var net = Architecture.LENET_300_100.network(3L, 1e-3);
        // a third of the first hidden layer's neurons dead: weights in, bias and weights out all zero
        for (int neuron = 0; neuron < 100; neuron++) {
            net.getParam("0_W").getColumn(neuron).assign(0);
            net.getParam("0_b").putScalar(0, neuron, 0f);
        }
        // and some single weights, which stay as zeros
        net.getParam("1_W").getRow(7).assign(0);
        ModelFiles.save(net, run.resolve(RunDirectory.MODEL));

        Path out = run.resolve(RunDirectory.EXPORT);
        var lines = new Exporter().export(run, Exporter.Format.parse("onnx"), out);
        Path file = out.resolve("model.onnx");
        assertThat(file).exists();
        assertThat(out.resolve("model.onnx.tmp")).doesNotExist();
        long shrunk = 266_610 - 100 * 784 - 100 - 100 * 100;
        assertThat(lines.get(0)).isEqualTo("ONNX model: " + file + " (opset 13, input 'input' [N, 784], output 'output' [N, 10])");
        assertThat(lines.get(1)).isEqualTo(String.format(Locale.ROOT,
                "parameters %,d (266,610 before dead filters and neurons were removed); file %,d bytes", shrunk, Files.size(file)));
        Nd4j.getRandom().setSeed(2);
        assertSameOutputs(net, Files.readAllBytes(file), Nd4j.rand(DataType.FLOAT, 16, 784), 1e-4);
    }

    @Test
    void aRunWithoutAModelIsRefusedByName() {
        assertThatThrownBy(() -> new Exporter().export(run, Exporter.Format.ONNX, run.resolve("export")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("has no model-final.zip");
        assertThatThrownBy(() -> Exporter.Format.parse("onx")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("unknown export format 'onx'; choose dl4j, onnx, npy or sparse");
    }

    @Test
    void aNetworkWithNoOnnxFormIsRefusedNamingItsLayerAndWritesNothing() {
        var conf = new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(4).build())
                .layer(new LSTM.Builder().nIn(4).nOut(3).build())
                .layer(new RnnOutputLayer.Builder().nIn(3).nOut(2).build())
                .build();
        var sequential = new MultiLayerNetwork(conf);
        sequential.init();
        ModelFiles.save(Network.of(sequential), run.resolve(RunDirectory.MODEL));
        assertThatThrownBy(() -> new Exporter().export(run, Exporter.Format.ONNX, run.resolve("export")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("layer 1 (org.deeplearning4j.nn.conf.layers.LSTM)");
        assertThat(run.resolve("export/model.onnx")).doesNotExist();
    }
}
