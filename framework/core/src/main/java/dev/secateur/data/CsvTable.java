package dev.secateur.data;

import dev.secateur.errors.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a CSV table whose first row names the columns: one column holds the label of each row, every other
 * column is a numeric feature. UTF-8, with or without a byte order mark; RFC 4180 quoting; any line ends.
 */
public final class CsvTable {

    /*
     * The header is read as an ordinary record rather than through setHeader(), so that duplicate and blank
     * column names get our own messages; blank lines come back as records so that line numbers stay those
     * a text editor shows.
     */
    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder()
            .setIgnoreSurroundingSpaces(true)
            .setIgnoreEmptyLines(false)
            .get();

    private CsvTable() {
    }

    /**
     * @param features {@code rows × featureNames.size()}, row-major
     * @param labels the label cell of each row, trimmed
     * @param lines  the line each row starts on, as a text editor counts them, for messages about a row
     */
    public record Table(String source, List<String> featureNames, int rows, float[] features, List<String> labels, long[] lines) {
    }

    public static Table read(Path file, String labelColumn) {
        String name = file.toString();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            skipByteOrderMark(in);
            try (var parser = FORMAT.parse(in)) {
                return read(parser, name, labelColumn);
            }
        } catch (NoSuchFileException e) {
            throw new BadInputException("CSV file " + name + " does not exist; check the path");
        } catch (CharacterCodingException e) {
            throw notUtf8(name, e);
        } catch (IOException e) {
            throw new BadInputException("cannot read CSV file " + name + ": " + e.getMessage(), e);
        }
    }

    private static Table read(CSVParser parser, String name, String labelColumn) {
        var records = new Lines(parser, name);
        CSVRecord header = records.next();
        if (header == null) {
            throw new BadInputException("CSV file " + name + " is empty; it needs a header row naming the columns, "
                    + "then one row per example");
        }
        List<String> columns = header.toList();
        checkColumnNames(name, records.line, columns);
        int labelIndex = columns.indexOf(labelColumn);
        if (labelIndex < 0) {
            throw new BadInputException("CSV file " + name + " has no column '" + labelColumn + "'; its header (line "
                    + records.line + ") names the columns " + String.join(", ", columns) + "; set label: '<name>' to the "
                    + "one that holds the class, e.g. label: '" + columns.get(columns.size() - 1) + "'");
        }
        if (columns.size() == 1) {
            throw new BadInputException("CSV file " + name + " has only the label column '" + labelColumn
                    + "'; add at least one numeric feature column beside it");
        }
        var featureNames = new ArrayList<String>(columns);
        featureNames.remove(labelIndex);
        int width = featureNames.size();

        float[] features = new float[width * 64];
        var labels = new ArrayList<String>();
        long[] lines = new long[64];
        CSVRecord record;
        while ((record = records.next()) != null) {
            if (record.size() != columns.size()) {
                throw new BadInputException("CSV file " + name + ", line " + records.line + ": " + record.size()
                        + " fields where the header has " + columns.size() + "; check for a missing or extra comma (a "
                        + "value holding a comma must be in double quotes)");
            }
            int row = labels.size();
            if ((long) (row + 1) * width > Integer.MAX_VALUE - 8) {
                throw new BadInputException("CSV file " + name + " is too large: more than " + row + " rows of " + width
                        + " features do not fit in one array; split it or drop columns");
            }
            if ((row + 1) * width > features.length) {
                features = Arrays.copyOf(features, (int) Math.min(Integer.MAX_VALUE - 8, 2L * features.length + width));
            }
            int f = row * width;
            for (int c = 0; c < columns.size(); c++) {
                if (c == labelIndex) {
                    continue;
                }
                features[f++] = number(name, records.line, columns.get(c), labelColumn, record.get(c));
            }
            String label = record.get(labelIndex).trim();
            if (label.isEmpty()) {
                throw new BadInputException("CSV file " + name + ", line " + records.line + ", column '" + labelColumn
                        + "': the label is empty; give every row its class or remove the row");
            }
            if (row == lines.length) {
                lines = Arrays.copyOf(lines, 2 * lines.length);
            }
            lines[row] = records.line;
            labels.add(label);
        }
        if (labels.isEmpty()) {
            throw new BadInputException("CSV file " + name + " has a header but no data rows; add one row per example "
                    + "below the header");
        }
        return new Table(name, List.copyOf(featureNames), labels.size(),
                Arrays.copyOf(features, labels.size() * width), List.copyOf(labels), Arrays.copyOf(lines, labels.size()));
    }

    private static void checkColumnNames(String name, long line, List<String> columns) {
        var seen = new HashMap<String, Integer>();
        for (int c = 0; c < columns.size(); c++) {
            String column = columns.get(c);
            if (column.isEmpty()) {
                throw new BadInputException("CSV file " + name + ": column " + (c + 1) + " of the header (line " + line
                        + ") has no name; name every column, or remove the empty one (a trailing comma makes one)");
            }
            Integer earlier = seen.putIfAbsent(column, c);
            if (earlier != null) {
                throw new BadInputException("CSV file " + name + ": the header (line " + line + ") names column '"
                        + column + "' twice (columns " + (earlier + 1) + " and " + (c + 1) + "); rename one so that every name "
                        + "is unique");
            }
        }
    }

    private static float number(String name, long line, String column, String labelColumn, String cell) {
        String text = cell.trim();
        String where = "CSV file " + name + ", line " + line + ", column '" + column + "': ";
        if (text.isEmpty()) {
            throw new BadInputException(where + "the cell is empty; every column other than the label '" + labelColumn
                    + "' is a numeric feature, so fill it in or remove the row");
        }
        double value;
        try {
            value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            value = Double.NaN;
        }
        if (!Double.isFinite(value)) {
            throw new BadInputException(where + "'" + text + "' is not a number; every column other than the label '"
                    + labelColumn + "' is a numeric feature, so fix the cell, drop the column, or make it the label");
        }
        float single = (float) value;
        if (Float.isInfinite(single)) {
            throw new BadInputException(where + "'" + text + "' is too large for a 32-bit float; rescale the column");
        }
        return single;
    }

    private static void skipByteOrderMark(BufferedReader in) throws IOException {
        in.mark(1);
        if (in.read() != '\uFEFF') {
            in.reset();
        }
    }

    private static BadInputException notUtf8(String name, IOException e) {
        return new BadInputException("CSV file " + name + " is not UTF-8 text (" + e + "); save it as UTF-8", e);
    }

    /** The records that are not blank lines, each with the line it starts on. */
    private static final class Lines {
        private final CSVParser parser;
        private final Iterator<CSVRecord> records;
        private final String name;
        long line;

        Lines(CSVParser parser, String name) {
            this.parser = parser;
            this.records = parser.iterator();
            this.name = name;
        }

        /** The next record, or null at the end. */
        CSVRecord next() {
            while (true) {
                // between records the parser stands just past a line end, so its count is exact here
                line = parser.getCurrentLineNumber() + 1;
                CSVRecord record;
                try {
                    if (!records.hasNext()) {
                        return null;
                    }
                    record = records.next();
                } catch (UncheckedIOException e) {
                    if (e.getCause() instanceof CharacterCodingException coding) {
                        throw notUtf8(name, coding);
                    }
                    throw new BadInputException("CSV file " + name + " cannot be parsed in the record that starts on line "
                            + line + ": " + e.getCause().getMessage() + "; check that every quote that opens a value "
                            + "closes it, and that a quote inside a value is doubled (\"\")", e);
                } catch (IllegalStateException e) {
                    throw new BadInputException("CSV file " + name + " cannot be parsed in the record that starts on line "
                            + line + ": " + e.getMessage(), e);
                }
                if (record.size() > 1 || !record.get(0).isEmpty()) {
                    return record;
                }
            }
        }
    }
}
