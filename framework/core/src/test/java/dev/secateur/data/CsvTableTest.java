package dev.secateur.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.secateur.errors.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTableTest {

    @TempDir
    Path dir;

    private Path csv(String text) throws IOException {
        return csv(text.getBytes(StandardCharsets.UTF_8));
    }

    private Path csv(byte[] bytes) throws IOException {
        Path file = dir.resolve("table.csv");
        Files.write(file, bytes);
        return file;
    }

    @Test
    void readsFeaturesInRowOrderAndLabelsAsText() throws IOException {
        var table = CsvTable.read(csv("""
                sepal_length,species,sepal_width
                5.1,setosa,3.5
                -2, virginica ,1e-3
                .5,versicolor,  7
                """), "species");

        assertThat(table.source()).isEqualTo(dir.resolve("table.csv").toString());
        assertThat(table.featureNames()).containsExactly("sepal_length", "sepal_width");
        assertThat(table.rows()).isEqualTo(3);
        assertThat(table.features()).containsExactly(5.1f, 3.5f, -2f, 0.001f, 0.5f, 7f);
        assertThat(table.labels()).containsExactly("setosa", "virginica", "versicolor");
    }

    @Test
    void integerLabelsStayText() throws IOException {
        var table = CsvTable.read(csv("x,y,class\n1,2,0\n3,4,1\n5,6,10\n"), "class");

        assertThat(table.labels()).containsExactly("0", "1", "10");
        assertThat(table.features()).containsExactly(1f, 2f, 3f, 4f, 5f, 6f);
    }

    @Test
    void quotedFieldsMayHoldCommasAndDoubledQuotes() throws IOException {
        var table = CsvTable.read(csv("""
                "width, cm","label"
                "1.5","big, ""round"" one"
                 "2" , "small"
                """), "label");

        assertThat(table.featureNames()).containsExactly("width, cm");
        assertThat(table.features()).containsExactly(1.5f, 2f);
        assertThat(table.labels()).containsExactly("big, \"round\" one", "small");
    }

    @Test
    void crlfLineEndsAndAByteOrderMarkAreRead() throws IOException {
        byte[] text = "a,label\r\n1,x\r\n2,y\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[text.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(text, 0, withBom, 3, text.length);

        var table = CsvTable.read(csv(withBom), "label");

        assertThat(table.featureNames()).containsExactly("a");
        assertThat(table.features()).containsExactly(1f, 2f);
        assertThat(table.labels()).containsExactly("x", "y");
    }

    @Test
    void blankLinesAreSkippedAndALastLineWithoutLineEndIsRead() throws IOException {
        var table = CsvTable.read(csv("a,label\n\n1,x\n\n2,y"), "label");

        assertThat(table.rows()).isEqualTo(2);
        assertThat(table.labels()).containsExactly("x", "y");
    }

    @Test
    void anEmptyFileIsNamed() throws IOException {
        Path file = csv("");

        assertThatThrownBy(() -> CsvTable.read(file, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("is empty")
                .hasMessageContaining("header row");
    }

    @Test
    void aMissingFileIsNamed() {
        Path file = dir.resolve("nope.csv");

        assertThatThrownBy(() -> CsvTable.read(file, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void aMissingLabelColumnListsTheColumnsAndSuggestsOne() throws IOException {
        Path file = csv("a,b,species\n1,2,x\n");

        assertThatThrownBy(() -> CsvTable.read(file, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("no column 'label'")
                .hasMessageContaining("a, b, species")
                .hasMessageContaining("label: 'species'");
    }

    @Test
    void duplicateColumnNamesAreRefused() throws IOException {
        Path file = csv("a,b,a,label\n1,2,3,x\n");

        assertThatThrownBy(() -> CsvTable.read(file, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("column 'a' twice (columns 1 and 3)")
                .hasMessageContaining("rename");
    }

    @Test
    void aColumnWithoutANameIsRefused() throws IOException {
        Path file = csv("a,label,\n1,x,2\n");

        assertThatThrownBy(() -> CsvTable.read(file, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("column 3 of the header (line 1) has no name");
    }

    @Test
    void aNonNumericCellIsNamedByLineColumnAndText() throws IOException {
        Path file = csv("a,b,label\n1,2,x\n3,abc,y\n");

        assertThatThrownBy(() -> CsvTable.read(file, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file + ", line 3, column 'b': 'abc' is not a number")
                .hasMessageContaining("fix the cell");
    }

    @Test
    void lineNumbersCountBlankLinesAndLinesInsideQuotes() throws IOException {
        Path file = csv("a,label\n1,\"two\nlines\"\n\n\n2,x\nbad,y\n");

        assertThatThrownBy(() -> CsvTable.read(file, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("line 7, column 'a': 'bad' is not a number");
    }

    @Test
    void anEmptyCellIsRefused() throws IOException {
        Path file = csv("a,b,label\n1, ,x\n");

        assertThatThrownBy(() -> CsvTable.read(file, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file + ", line 2, column 'b': the cell is empty")
                .hasMessageContaining("fill it in");
    }

    @Test
    void notANumberAndInfinityAreRefused() throws IOException {
        Path nan = csv("a,label\nNaN,x\n");
        assertThatThrownBy(() -> CsvTable.read(nan, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("line 2, column 'a': 'NaN' is not a number");

        Path infinite = csv("a,label\n1,x\n-Infinity,y\n");
        assertThatThrownBy(() -> CsvTable.read(infinite, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("line 3, column 'a': '-Infinity' is not a number");

        Path tooLarge = csv("a,label\n1e39,x\n");
        assertThatThrownBy(() -> CsvTable.read(tooLarge, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("'1e39' is too large for a 32-bit float");
    }

    @Test
    void anEmptyLabelIsRefused() throws IOException {
        Path file = csv("a,label\n1,\n");

        assertThatThrownBy(() -> CsvTable.read(file, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("line 2, column 'label': the label is empty");
    }

    @Test
    void aRaggedRowGivesTheFieldsExpectedAndFound() throws IOException {
        Path file = csv("a,b,label\n1,2,x\n3,4\n");

        assertThatThrownBy(() -> CsvTable.read(file, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file + ", line 3: 2 fields where the header has 3")
                .hasMessageContaining("comma");
    }

    @Test
    void aHeaderWithoutRowsIsRefused() throws IOException {
        Path file = csv("a,label\n");

        assertThatThrownBy(() -> CsvTable.read(file, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("no data rows");
    }

    @Test
    void aTableOfOnlyTheLabelHasNoFeatures() throws IOException {
        Path file = csv("label\nx\ny\n");

        assertThatThrownBy(() -> CsvTable.read(file, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("only the label column 'label'")
                .hasMessageContaining("feature column");
    }

    @Test
    void anUnterminatedQuoteGivesTheParsersMessageAndTheLine() throws IOException {
        Path file = csv("a,label\n1,x\n2,\"y\n3,z\n");

        assertThatThrownBy(() -> CsvTable.read(file, "label"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("starts on line 3")
                .hasMessageContaining("EOF reached before encapsulated token finished")
                .hasMessageContaining("quote");
    }

    @Test
    void textThatIsNotUtf8IsRefused() throws IOException {
        Path file = csv(new byte[] {'a', ',', 'l', '\n', '1', ',', (byte) 0xff, (byte) 0xfe, '\n'});

        assertThatThrownBy(() -> CsvTable.read(file, "l"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not UTF-8");
    }
}
