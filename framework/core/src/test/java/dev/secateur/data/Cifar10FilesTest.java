package dev.secateur.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10FilesTest {

    @TempDir
    Path dir;

    /** {@code count} records; record r has label (first + r) % 10 and every pixel of channel c equal to r + c. */
    static byte[] records(int count, int first) {
        byte[] bytes = new byte[count * Cifar10Files.RECORD];
        for (int r = 0; r < count; r++) {
            int at = r * Cifar10Files.RECORD;
            bytes[at] = (byte) ((first + r) % 10);
            for (int c = 0; c < 3; c++) {
                Arrays.fill(bytes, at + 1 + c * 1024, at + 1 + (c + 1) * 1024, (byte) (r + c));
            }
        }
        return bytes;
    }

    @Test
    void readsTheTrainingBatchesInOrderAndTheTestBatch() throws IOException {
        Files.write(dir.resolve("data_batch_2.bin"), records(3, 2));
        Files.write(dir.resolve("data_batch_1.bin"), records(2, 0));
        Files.write(dir.resolve("test_batch.bin"), records(1, 7));
        var train = Cifar10Files.train(dir);
        assertThat(train.count()).isEqualTo(5);
        assertThat(train.labels()).containsExactly(0, 1, 2, 3, 4);
        assertThat(train.files()).containsExactly(dir.resolve("data_batch_1.bin"), dir.resolve("data_batch_2.bin"));
        assertThat(train.pixels()).hasSize(5 * 3 * 32 * 32);
        // image 3 is record 1 of batch 2: its green plane (c = 1) is 1 + 1
        int image = 3 * 3072;
        assertThat(train.pixels()[image]).isEqualTo((byte) 1);
        assertThat(train.pixels()[image + 1024 + 5]).isEqualTo((byte) 2);
        assertThat(train.pixels()[image + 2048 + 1023]).isEqualTo((byte) 3);
        var test = Cifar10Files.test(dir);
        assertThat(test.labels()).containsExactly(7);
        assertThat(test.source()).contains(dir.toString());
    }

    @Test
    void reportsASizeThatIsNotWholeRecords() throws IOException {
        var file = Files.write(dir.resolve("data_batch_1.bin"), Arrays.copyOf(records(3, 0), 9_220));
        assertThatThrownBy(() -> Cifar10Files.train(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(file + " is 9,220 bytes, not a multiple of the 3,073-byte CIFAR-10 record "
                        + "(3 whole records and 1 byte left); it is truncated or not CIFAR-10 binary");
        Files.write(file, new byte[3074 * 2]);
        assertThatThrownBy(() -> Cifar10Files.train(dir)).hasMessageContaining("CIFAR-100");
        Files.write(file, new byte[0]);
        assertThatThrownBy(() -> Cifar10Files.train(dir)).hasMessageContaining("is empty");
    }

    @Test
    void reportsALabelOutOfRange() throws IOException {
        byte[] bytes = records(4, 0);
        bytes[2 * Cifar10Files.RECORD] = 10;
        var file = Files.write(dir.resolve("test_batch.bin"), bytes);
        assertThatThrownBy(() -> Cifar10Files.test(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(file + " has label 10 in record 2 (byte offset 6,146)");
    }

    @Test
    void saysWhatTheDirectoryShouldHold() throws IOException {
        assertThatThrownBy(() -> Cifar10Files.train(dir.resolve("nowhere"))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("nowhere does not exist").hasMessageContaining("data_batch_1.bin … data_batch_5.bin");
        Files.writeString(dir.resolve("notes.txt"), "hi");
        assertThatThrownBy(() -> Cifar10Files.test(dir))
                .hasMessageContaining("has no test_batch.bin").hasMessageContaining("it holds notes.txt");
        Files.write(Files.createDirectory(dir.resolve("cifar-10-batches-bin")).resolve("test_batch.bin"), records(1, 0));
        assertThatThrownBy(() -> Cifar10Files.test(dir)).hasMessageContaining("point at " + dir.resolve("cifar-10-batches-bin"));
        Files.write(dir.resolve("batches.meta"), new byte[] {1});
        assertThatThrownBy(() -> Cifar10Files.train(dir)).hasMessageContaining("holds the Python version")
                .hasMessageContaining("cifar-10-binary.tar.gz");
        assertThatThrownBy(() -> Cifar10Files.read(List.of(dir.resolve("gone.bin")), "x"))
                .hasMessageContaining("gone.bin does not exist");
        assertThatThrownBy(() -> Cifar10Files.read(List.of(), "nothing")).hasMessageContaining("names no files");
    }

    @Test
    void readsClassNamesOrFallsBackToTheStandardOnes() throws IOException {
        assertThat(Cifar10Files.classNames(dir)).hasSize(10).startsWith("airplane", "automobile").endsWith("truck");
        Files.writeString(dir.resolve("batches.meta.txt"), "a\nb\n\nc\nd\ne\nf\ng\nh\ni\nj\n\n\n");
        assertThat(Cifar10Files.classNames(dir)).containsExactly("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
        Files.writeString(dir.resolve("batches.meta.txt"), "a\nb\n");
        assertThatThrownBy(() -> Cifar10Files.classNames(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("lists 2 names, not 10");
    }
}
