package dev.secateur.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.model.Architecture;
import dev.secateur.model.MaskSet;
import dev.secateur.model.NetworkLayout;
import dev.secateur.spi.ParamRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The sparse model file restores every parameter bit for bit, and is smaller when the model is sparse. */
class SparseModelFileTest {

    @TempDir
    Path dir;

    @Test
    void roundTripIsBitIdenticalForAPrunedLenet5() {
        var net = Architecture.LENET_5.build(3L, 1e-3);
        // 90% of every prunable weight tensor pruned by magnitude, through the pruner's own masks
        var masks = new TreeMap<ParamRef, INDArray>();
        for (var p : NetworkLayout.prunable(net)) {
            INDArray w = net.getParam(p.weights().toString());
            float[] magnitudes = Transforms.abs(w, true).dup('c').reshape(w.length()).toFloatVector();
            Arrays.sort(magnitudes);
            float cut = magnitudes[(int) (0.9 * magnitudes.length)];
            masks.put(p.weights(), Transforms.abs(w, true).gte(cut).castTo(DataType.FLOAT));
        }
        MaskSet.of(masks).applyTo(net);
        // pruned weights are +0.0 bit for bit (a negative weight times 0 would be -0.0)
        var w4 = net.getParam("4_W").dup('c').reshape(400_000).toFloatVector();
        assertThat(IntStream.range(0, w4.length).filter(i -> Float.floatToRawIntBits(w4[i]) == 0).count()).isEqualTo(360_000);
        // and the awkward values a model may hold all the same
        net.getParam("5_W").putScalar(0, 0, -0.0f);
        net.getParam("5_W").putScalar(1, 0, Float.NaN);
        var report = SparseModelFile.write(net, dir.resolve("lenet5.sparse"));
        var restored = SparseModelFile.read(dir.resolve("lenet5.sparse"));

        for (var entry : net.paramTable().entrySet()) {
            int[] expected = bits(entry.getValue());
            int[] actual = bits(restored.getParam(entry.getKey()));
            assertThat(actual).as(entry.getKey()).isEqualTo(expected);
        }
        assertThat(restored.sequential("test").getLayerWiseConfigurations()).isEqualTo(net.getLayerWiseConfigurations());
        assertThat(report.denseBytes()).isEqualTo(4L * 431_080);
        assertThat(report.fileBytes()).isEqualTo(dir.resolve("lenet5.sparse").toFile().length());
        // 90% sparse weights: values 4 bytes + distance 1 byte per nonzero, so well under half the dense size
        assertThat(report.compression()).isGreaterThan(3.0);
        assertThat(report.entries()).filteredOn(e -> e.key().equals("4_W")).singleElement()
                .satisfies(e -> {
                    assertThat(e.encoding()).isEqualTo("csr-relative-8bit");
                    assertThat(e.nonzero()).isEqualTo(40_000);
                });
        assertThat(report.entries()).filteredOn(e -> e.key().equals("0_b")).singleElement()
                .satisfies(e -> assertThat(e.encoding()).isEqualTo("dense"));
    }

    @Test
    void aComputationGraphRoundTripsBitIdenticallyAndComputesTheSame() {
        var net = Architecture.RESNET_SMALL.network(4L, 1e-3);
        // a pruned-looking graph: half of the stem group's filters zero in both members
        for (String key : new String[]{"0_W", "4_W"}) {
            var w = net.getParam(key);
            w.assign(w.mul(Nd4j.rand(w.shape()).gt(0.5).castTo(w.dataType())).addi(0.0f));
        }
        var report = SparseModelFile.write(net, dir.resolve("resnet.sparse"));
        var restored = SparseModelFile.read(dir.resolve("resnet.sparse"));
        assertThat(restored.isGraph()).isTrue();
        for (var entry : net.paramTable().entrySet()) {
            assertThat(bits(restored.getParam(entry.getKey()))).as(entry.getKey()).isEqualTo(bits(entry.getValue()));
        }
        var x = Nd4j.rand(DataType.FLOAT, 4, 784);
        assertThat(restored.output(x)).isEqualTo(net.output(x));
        assertThat(report.denseBytes()).isEqualTo(4L * 38_890);
    }

    @Test
    void distancesAbove255UseFillerZeros() {
        float[] row = new float[1000];
        row[0] = 1f;
        row[600] = 2f;   // 600 away: fillers at +255 and +510, then 90
        row[999] = -0.0f;
        var csr = RelativeIndexCsr.encode(row, 1, 1000);
        assertThat(csr.fillers()).isEqualTo(3); // two for 600, one for 399
        assertThat(csr.entries()).isEqualTo(6);
        assertThat(bits(csr.decode())).isEqualTo(bits(row));
    }

    @Test
    void aFileThatIsNotOursIsRefusedWithItsName() throws Exception {
        Path other = Files.writeString(dir.resolve("model.zip"), "PK not a sparse file");
        assertThatThrownBy(() -> SparseModelFile.read(other))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(other.toString()).hasMessageContaining("--format sparse");
        var net = Architecture.LENET_300_100.build(1L, 1e-3);
        Path file = dir.resolve("cut.sparse");
        SparseModelFile.write(net, file);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> SparseModelFile.read(file)).isInstanceOf(BadInputException.class).hasMessageContaining("truncated");
    }

    private static int[] bits(INDArray a) {
        return bits(a.dup('c').reshape(a.length()).toFloatVector());
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }
}
