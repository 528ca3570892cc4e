package dev.secateur.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import dev.secateur.files.Sha256;
import dev.secateur.spec.DataSpec;
import dev.secateur.spec.Preprocessing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class TextCorpusTest {

    @TempDir
    Path dir;

    /** Seeded random letters and spaces, so that every window of the text is found in one place only. */
    private static String text(int lines) {
        var random = new Random(lines);
        var text = new StringBuilder();
        for (int i = 0; i < lines * 50; i++) {
            text.append(i % 50 == 49 ? '\n' : (char) (random.nextInt(5) == 0 ? ' ' : 'a' + random.nextInt(26)));
        }
        return text.toString();
    }

    private static DataSpec spec(Path path, int context, String include, int validation, double testFraction) {
        return new DataSpec(new DataSpec.Text(path, context, include), 0, 0, validation, Preprocessing.AUTOMATIC, testFraction,
                0, false);
    }

    /** The text a sequence reads and the text its labels read, as strings. */
    private static String row(INDArray ids, int r) {
        var bytes = new byte[(int) ids.columns()];
        for (int t = 0; t < bytes.length; t++) {
            bytes[t] = (byte) ids.getInt(r, t);
        }
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    @Test
    void sequencesAreTheTextsBytesWithTheNextByteAsLabelAndTheSplitsShareNone() throws IOException {
        String content = text(400);
        Files.writeString(dir.resolve("a.txt"), content);
        var splits = new DatasetLoader().load(spec(dir.resolve("a.txt"), 32, "*", 0, 0.2), 1);
        var train = splits.train();
        var test = splits.test();
        assertThat(train.shape()).isEqualTo(InputShape.tokens(32, 256));
        assertThat(train.classCount()).isEqualTo(256);
        int windows = content.length() / 33;
        assertThat(train.size() + test.size()).isEqualTo(windows);
        // every sequence is 32 consecutive bytes of the text, its labels the same bytes one on, and no byte is in two
        var used = new HashSet<Integer>();
        for (var data : new Dataset[]{train, test}) {
            for (int r = 0; r < data.size(); r++) {
                String input = row(data.features(), r);
                int start = content.indexOf(input);
                assertThat(start % 33).isZero();
                assertThat(row(data.labels(), r)).isEqualTo(content.substring(start + 1, start + 33));
                assertThat(data.classes()[r]).isEqualTo(content.charAt(start + 32));
                for (int b = start; b <= start + 32; b++) {
                    assertThat(used.add(b)).as("byte %d is in two sequences", b).isTrue();
                }
            }
        }
        // the test split is whole blocks of 16 consecutive sequences
        assertThat(test.size() % DataSpec.Text.BLOCK).isZero();
        assertThat(splits.details().files()).singleElement().satisfies(f -> {
            assertThat(f.path()).endsWith("a.txt");
            assertThat(f.sha256()).isEqualTo(Sha256.hex(content.getBytes(StandardCharsets.UTF_8)));
        });
        assertThat(splits.source()).contains("held out as the test split");
    }

    @Test
    void theSameTextSplitsTheSameWayForEverySeedAndValidationIsHeldOutOfTraining() throws IOException {
        Files.writeString(dir.resolve("a.txt"), text(400));
        var loader = new DatasetLoader();
        var one = loader.load(spec(dir.resolve("a.txt"), 32, "*", 0, 0.1), 1);
        var other = loader.load(spec(dir.resolve("a.txt"), 32, "*", 0, 0.1), 99);
        assertThat(one.test().features()).isEqualTo(other.test().features());
        assertThat(one.train().features()).isEqualTo(other.train().features());

        var validated = loader.load(spec(dir.resolve("a.txt"), 32, "*", 64, 0.1), 1);
        Set<String> training = new HashSet<>();
        for (int r = 0; r < one.train().size(); r++) {
            training.add(row(one.train().features(), r));
        }
        assertThat(validated.test().size()).isEqualTo(64);
        for (int r = 0; r < validated.test().size(); r++) {
            assertThat(training).contains(row(validated.test().features(), r)); // drawn from training, not the test text
        }
        assertThat(validated.train().size()).isEqualTo(one.train().size() - 64);
        assertThat(validated.source()).contains("validation");
    }

    @Test
    void aDirectoryIsReadInPathOrderKeepingOnlyTheIncludedFiles() throws IOException {
        Files.createDirectories(dir.resolve("b"));
        Files.writeString(dir.resolve("b/2.rst"), text(100));
        Files.writeString(dir.resolve("1.rst"), text(100));
        Files.writeString(dir.resolve("skip.html"), "<html>" + text(100));
        var splits = new DatasetLoader().load(spec(dir, 16, "*.rst", 0, 0.1), 1);
        assertThat(splits.details().files()).extracting(DataFile::path)
                .containsExactly(dir.resolve("1.rst").toString(), dir.resolve("b/2.rst").toString());
        assertThat(splits.source()).contains("2 files matching '*.rst'");
    }

    @Test
    void badTextIsRefusedNamingWhatToDo() throws IOException {
        var loader = new DatasetLoader();
        assertThatThrownBy(() -> loader.load(spec(dir.resolve("missing.txt"), 32, "*", 0, 0), 1))
                .isInstanceOf(BadInputException.class).hasMessageContaining("missing.txt").hasMessageContaining("no such file");
        Files.writeString(dir.resolve("a.html"), text(10));
        assertThatThrownBy(() -> loader.load(spec(dir, 32, "*.rst", 0, 0), 1))
                .isInstanceOf(BadInputException.class).hasMessageContaining("no file under it matches include: '*.rst'");
        Files.writeString(dir.resolve("short.txt"), "too short for two blocks of sequences");
        assertThatThrownBy(() -> loader.load(spec(dir.resolve("short.txt"), 32, "*", 0, 0), 1))
                .isInstanceOf(BadInputException.class).hasMessageContaining("at least one block for each split");
        assertThatThrownBy(() -> loader.load(new DataSpec(new DataSpec.Text(dir.resolve("a.html"), 8, "*"), 0, 0, 0,
                Preprocessing.AUTOMATIC, 0, 0, true), 1))
                .isInstanceOf(BadInputException.class).hasMessageContaining("standardize").hasMessageContaining("do not apply");
        assertThatThrownBy(() -> new DataSpec.Text(dir, 1, "*")).hasMessageContaining("context: 1");
    }
}
